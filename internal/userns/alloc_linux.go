package userns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/subid"
)

// Allocator hands out blocks of one state root's containers.
type Allocator struct {
	// Root is the state root: its userns.lock serialises allocations and
	// its container folders hold the blocks given out.
	Root string
	// SubUID and SubGID are the sub-id files (default /etc/subuid and
	// /etc/subgid).
	SubUID, SubGID string
}

// Allocate gives the container whose state folder is dir (inside Root) a
// block of req.Size uids and gids from req.User's sub-id ranges that no
// other container of Root holds, and records it in dir before any other
// allocation can look. The caller holds dir's own lock, and releases the
// block by removing dir.
func (a *Allocator) Allocate(dir string, req spec.UserNSAuto) (state.IDRange, error) {
	uidFile, gidFile := a.SubUID, a.SubGID
	if uidFile == "" {
		uidFile = "/etc/subuid"
	}
	if gidFile == "" {
		gidFile = "/etc/subgid"
	}
	uids, err := ranges(uidFile, req.User)
	if err != nil {
		return state.IDRange{}, err
	}
	gids, err := ranges(gidFile, req.User)
	if err != nil {
		return state.IDRange{}, err
	}

	unlock, err := a.lock()
	if err != nil {
		return state.IDRange{}, err
	}
	defer unlock()
	held, err := a.held()
	if err != nil {
		return state.IDRange{}, err
	}
	usedU := make([]span, 0, len(held))
	usedG := make([]span, 0, len(held))
	for _, h := range held {
		usedU = append(usedU, span{uint64(h.UID), uint64(h.UID) + uint64(h.Size)})
		usedG = append(usedG, span{uint64(h.GID), uint64(h.GID) + uint64(h.Size)})
	}
	uid, ok := firstFree(uids, req.Size, usedU)
	if !ok {
		return state.IDRange{}, exhausted(uidFile, req, uids, len(held))
	}
	gid, ok := firstFree(gids, req.Size, usedG)
	if !ok {
		return state.IDRange{}, exhausted(gidFile, req, gids, len(held))
	}
	got := state.IDRange{UID: uid, GID: gid, Size: req.Size}
	b, err := json.Marshal(got)
	if err != nil {
		return state.IDRange{}, err
	}
	// Written (atomically) while the lock is held: the next allocation
	// scans the folders and must see this block taken.
	p := filepath.Join(dir, RecordFile)
	if err := fsutil.WriteFileAtomic(p, b, 0o600, false); err != nil {
		return state.IDRange{}, fmt.Errorf("record user namespace ids %q: %w", p, err)
	}
	return got, nil
}

// ranges returns the sub-id ranges file grants name, with an error that
// says how to grant some when there are none.
func ranges(file, name string) ([]subid.Range, error) {
	// The uid matters only for lines keyed by number. A user with sub-ids
	// but no passwd entry is allowed (the ids are all that is used); the
	// uid then matches no line, (uid_t)-1 being no one's.
	uid := uint32(math.MaxUint32)
	if u, err := user.Lookup(name); err == nil {
		if n, err := strconv.ParseUint(u.Uid, 10, 32); err == nil {
			uid = uint32(n)
		}
	}
	rs, err := subid.Lookup(file, name, uid)
	if errors.Is(err, subid.ErrNoEntry) {
		return nil, fmt.Errorf("%s grants user %q no ids for automatic user namespaces: add a line such as \"%s:1000000:1048576\" (see docs/userns.md)", file, name, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read sub-ids %q: %w", file, err)
	}
	return rs, nil
}

func exhausted(file string, req spec.UserNSAuto, rs []subid.Range, n int) error {
	var total uint64
	for _, r := range rs {
		total += uint64(r.Count)
	}
	held := "1 container holds a block"
	if n != 1 {
		held = fmt.Sprintf("%d containers hold blocks", n)
	}
	return fmt.Errorf("no free block of %d ids left in the %d ids %s grants user %q (%s): delete a container, ask for fewer ids (auto:size=N) or grant more",
		req.Size, total, file, req.User, held)
}

// lock takes the state root's allocation lock, making the root first as
// the state store would.
func (a *Allocator) lock() (func(), error) {
	if err := os.MkdirAll(a.Root, 0o711); err != nil {
		return nil, fmt.Errorf("create state directory %q: %w", a.Root, err)
	}
	p := filepath.Join(a.Root, LockFile)
	// O_NOFOLLOW: the root is the runtime's, but a symlink planted there
	// must not make root create or lock a file elsewhere.
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open user namespace lock %q: %w", p, err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %q: %w", p, err)
	}
	return func() { unix.Close(fd) }, nil
}

// held returns the blocks recorded in Root's container folders.
func (a *Allocator) held() ([]state.IDRange, error) {
	ents, err := os.ReadDir(a.Root)
	if err != nil {
		return nil, fmt.Errorf("list state directory %q: %w", a.Root, err)
	}
	var out []state.IDRange
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(a.Root, e.Name(), RecordFile)
		b, err := fsutil.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			// No automatic user namespace, or a folder being removed
			// (its block is free once the file is gone).
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read user namespace record %q: %w", p, err)
		}
		var r state.IDRange
		// A record that cannot be read would let its block be given
		// twice: refuse rather than guess.
		if err := json.Unmarshal(b, &r); err != nil || r.Size == 0 {
			return nil, fmt.Errorf("user namespace record %q is damaged (delete the container with --force)", p)
		}
		out = append(out, r)
	}
	return out, nil
}

// span is the half-open interval [lo, hi) of ids, in 64 bits so the end
// of the last 32-bit id does not wrap.
type span struct{ lo, hi uint64 }

// firstFree returns the start of the first block of size ids that lies in
// one of rs, starts a whole number of blocks after that range's start, and
// overlaps none of used. Blocks on a size grid keep the ranges from
// fragmenting when containers of one size come and go.
func firstFree(rs []subid.Range, size uint32, used []span) (uint32, bool) {
	sort.Slice(used, func(i, j int) bool { return used[i].lo < used[j].lo })
	n := uint64(size)
	for _, r := range rs {
		start := uint64(r.Start)
		for lo := start; lo+n <= r.End(); {
			end, ok := blocker(span{lo, lo + n}, used)
			if !ok {
				return uint32(lo), true
			}
			// Skip to the first grid block past the one in the way, so
			// a large held block costs one step, not one per id.
			lo = start + (end-start+n-1)/n*n
		}
	}
	return 0, false
}

// blocker returns the end of a span of used that overlaps s, if any.
func blocker(s span, used []span) (uint64, bool) {
	for _, u := range used {
		if u.lo >= s.hi {
			break
		}
		if u.hi > s.lo {
			return u.hi, true
		}
	}
	return 0, false
}
