package userns

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/subid"
)

// pool makes a state root and sub-id files granting user "pool" the
// given lines (uid and gid alike).
func pool(t *testing.T, lines ...string) *Allocator {
	t.Helper()
	dir := t.TempDir()
	a := &Allocator{Root: filepath.Join(dir, "state"), SubUID: filepath.Join(dir, "subuid"), SubGID: filepath.Join(dir, "subgid")}
	text := "# comment\nsomeone:100000:65536\n" + strings.Join(lines, "\n") + "\n"
	for _, f := range []string{a.SubUID, a.SubGID} {
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(a.Root, 0o711); err != nil {
		t.Fatal(err)
	}
	return a
}

// folder makes a container folder in a's root.
func folder(t *testing.T, a *Allocator, id string) string {
	t.Helper()
	d := filepath.Join(a.Root, id)
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func req(size uint32) spec.UserNSAuto { return spec.UserNSAuto{Size: size, User: "pool"} }

func TestAllocateDisjointAndReleased(t *testing.T) {
	a := pool(t, "pool:1000000:262144")
	var got []state.IDRange
	for i := range 4 {
		r, err := a.Allocate(folder(t, a, fmt.Sprint("c", i)), req(65536))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	for i, r := range got {
		want := uint32(1000000 + i*65536)
		if r.UID != want || r.GID != want || r.Size != 65536 {
			t.Errorf("block %d: %+v, want uid and gid %d", i, r, want)
		}
	}
	// The pool is full: the error says whose ranges and what to do.
	_, err := a.Allocate(folder(t, a, "c4"), req(65536))
	if err == nil || !strings.Contains(err.Error(), `no free block of 65536 ids left in the 262144 ids`) ||
		!strings.Contains(err.Error(), `"pool"`) || !strings.Contains(err.Error(), "(4 containers hold blocks)") {
		t.Fatalf("full pool: %v", err)
	}
	// Removing a folder releases its block, which the next one reuses.
	if err := os.RemoveAll(filepath.Join(a.Root, "c1")); err != nil {
		t.Fatal(err)
	}
	r, err := a.Allocate(filepath.Join(a.Root, "c4"), req(65536))
	if err != nil || r.UID != 1065536 {
		t.Fatalf("after a release: %+v, %v; want the released block 1065536", r, err)
	}
	b, err := os.ReadFile(filepath.Join(a.Root, "c4", RecordFile))
	if err != nil || string(b) != `{"uid":1065536,"gid":1065536,"size":65536}` {
		t.Errorf("record: %s, %v", b, err)
	}
}

func TestAllocateRanges(t *testing.T) {
	// Two ranges of the user, a smaller block held by a container that
	// asked for a different size, and gids granted elsewhere than uids.
	a := pool(t, "pool:5000:100", "pool:20000:1000")
	if err := os.WriteFile(a.SubGID, []byte("pool:70000:1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r1, err := a.Allocate(folder(t, a, "a"), req(10))
	if err != nil || r1 != (state.IDRange{UID: 5000, GID: 70000, Size: 10}) {
		t.Fatalf("first: %+v, %v", r1, err)
	}
	// 200 ids do not fit the first uid range: the second one, on its
	// own grid; the gids skip the held 10 to the next 200-id block.
	r2, err := a.Allocate(folder(t, a, "b"), req(200))
	if err != nil || r2 != (state.IDRange{UID: 20000, GID: 70200, Size: 200}) {
		t.Fatalf("second: %+v, %v", r2, err)
	}
	r3, err := a.Allocate(folder(t, a, "c"), req(10))
	if err != nil || r3 != (state.IDRange{UID: 5010, GID: 70010, Size: 10}) {
		t.Fatalf("third: %+v, %v", r3, err)
	}
}

func TestFirstFreeSkipsLargeBlocks(t *testing.T) {
	// One held block of 2^31 ids ahead of a size-1 request: found at its
	// end in one step per held block, not one per id.
	rs := []subid.Range{{Start: 0, Count: 1<<32 - 1}}
	used := []span{{0, 1 << 31}, {1 << 31, 1<<31 + 5}}
	got, ok := firstFree(rs, 1, used)
	if !ok || got != 1<<31+5 {
		t.Errorf("firstFree: %d, %v", got, ok)
	}
	// A block reaching the range's last id fits; one past it does not.
	rs = []subid.Range{{Start: 1<<32 - 10, Count: 10}}
	if got, ok := firstFree(rs, 10, nil); !ok || got != 1<<32-10 {
		t.Errorf("last block: %d, %v", got, ok)
	}
	if _, ok := firstFree(rs, 11, nil); ok {
		t.Error("a block larger than the range fitted")
	}
}

func TestAllocateNoEntry(t *testing.T) {
	a := pool(t)
	_, err := a.Allocate(folder(t, a, "x"), req(65536))
	if err == nil || !strings.Contains(err.Error(), a.SubUID+` grants user "pool" no ids`) ||
		!strings.Contains(err.Error(), `"pool:1000000:1048576"`) {
		t.Errorf("no entry: %v", err)
	}
	a.SubUID = filepath.Join(t.TempDir(), "missing")
	if _, err := a.Allocate(filepath.Join(a.Root, "x"), req(65536)); err == nil || !strings.Contains(err.Error(), "missing grants user") {
		t.Errorf("no file: %v", err)
	}
}

func TestAllocateDamagedRecord(t *testing.T) {
	a := pool(t, "pool:1000000:65536")
	bad := filepath.Join(folder(t, a, "bad"), RecordFile)
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := a.Allocate(folder(t, a, "x"), req(10))
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged record: %v", err)
	}
}

func TestAllocateParallel(t *testing.T) {
	// Each goroutine opens the lock file itself, so the flocks exclude
	// one another as separate processes' would.
	a := pool(t, "pool:1000000:655360")
	const n = 10
	got := make([]state.IDRange, n)
	errs := make([]error, n)
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = folder(t, a, fmt.Sprint("p", i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = a.Allocate(dirs[i], req(65536)) })
	}
	wg.Wait()
	seen := map[uint32]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[got[i].UID] {
			t.Errorf("block %d handed out twice", got[i].UID)
		}
		seen[got[i].UID] = true
	}
	if _, err := a.Allocate(folder(t, a, "last"), req(65536)); err == nil {
		t.Error("an eleventh block came out of ten")
	}
}

func TestWanted(t *testing.T) {
	mk := func(ann string) *specs.Spec {
		s := spec.Default()
		s.Annotations = map[string]string{spec.AnnotationUserNS: ann}
		return s
	}
	if _, ok, err := Wanted(spec.Default()); ok || err != nil {
		t.Errorf("no annotation: %v, %v", ok, err)
	}
	a, ok, err := Wanted(mk("auto:size=1000,user=u"))
	if !ok || err != nil || a.Size != 1000 || a.User != "u" {
		t.Errorf("auto:size=1000,user=u: %+v, %v, %v", a, ok, err)
	}
	s := mk("auto:size=1000")
	s.Process.User.UID = 1000
	if _, _, err := Wanted(s); err == nil || !strings.Contains(err.Error(), "process.user id 1000 is outside the 1000 ids") {
		t.Errorf("uid outside: %v", err)
	}
	s = mk("auto")
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1, Size: 1}}
	if _, _, err := Wanted(s); err == nil || !strings.Contains(err.Error(), "both given") {
		t.Errorf("mappings too: %v", err)
	}
	if _, _, err := Wanted(mk("manual")); err == nil {
		t.Error("a bad value passed")
	}
	s = mk("auto")
	if err := Apply(s, state.IDRange{UID: 7, GID: 8, Size: 9}); err != nil {
		t.Fatal(err)
	}
	if m := s.Linux.UIDMappings; len(m) != 1 || m[0] != (specs.LinuxIDMapping{ContainerID: 0, HostID: 7, Size: 9}) {
		t.Errorf("uid mappings: %+v", m)
	}
	if m := s.Linux.GIDMappings; len(m) != 1 || m[0] != (specs.LinuxIDMapping{ContainerID: 0, HostID: 8, Size: 9}) {
		t.Errorf("gid mappings: %+v", m)
	}
}
