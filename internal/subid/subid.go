package subid

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// ErrNoEntry is returned, wrapped, when the file grants the user no range.
var ErrNoEntry = errors.New("no subordinate id entry")

// Range is Count host IDs starting at Start.
type Range struct {
	Start, Count uint32
}

// End is one past the last ID of r, in 64 bits so the last 32-bit ID
// cannot wrap.
func (r Range) End() uint64 {
	return uint64(r.Start) + uint64(r.Count)
}

// Lookup returns the ranges file grants to the user named user or to
// uid, in the file's order. A missing file and a file without the user
// are both ErrNoEntry (the former also matches fs.ErrNotExist), so
// callers can say "add a line to /etc/subuid" in either case.
func Lookup(file, user string, uid uint32) ([]Range, error) {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w for %s: %w", file, ErrNoEntry, who(user, uid), err)
		}
		return nil, err
	}
	defer f.Close()
	rs, err := Parse(f, file, user, uid)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: %w for %s", file, ErrNoEntry, who(user, uid))
	}
	return rs, nil
}

// Parse reads subordinate ID lines from r, which name names in errors,
// and returns the ranges of user or uid (none is not an error here). An
// empty user matches by uid only.
func Parse(r io.Reader, name, user string, uid uint32) ([]Range, error) {
	uidText := strconv.FormatUint(uint64(uid), 10)
	var out []Range
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		owner, rg, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if (user != "" && owner == user) || owner == uidText {
			out = append(out, rg)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// parseLine splits NAME_OR_UID:START:COUNT.
func parseLine(line string) (string, Range, error) {
	f := strings.Split(line, ":")
	if len(f) != 3 || f[0] == "" {
		return "", Range{}, fmt.Errorf("%q is not name:start:count", line)
	}
	start, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return "", Range{}, fmt.Errorf("start %q: not a 32-bit id", f[1])
	}
	count, err := strconv.ParseUint(f[2], 10, 32)
	if err != nil {
		return "", Range{}, fmt.Errorf("count %q: not a 32-bit number", f[2])
	}
	if count == 0 {
		return "", Range{}, fmt.Errorf("%q grants no ids (count 0)", line)
	}
	rg := Range{Start: uint32(start), Count: uint32(count)}
	if rg.End() > math.MaxUint32+1 {
		return "", Range{}, fmt.Errorf("%q goes past the last 32-bit id", line)
	}
	return f[0], rg, nil
}

func who(user string, uid uint32) string {
	if user == "" {
		return fmt.Sprintf("uid %d", uid)
	}
	return fmt.Sprintf("user %q (uid %d)", user, uid)
}

// The files shadow's tools and newuidmap read.
const (
	UIDFile = "/etc/subuid"
	GIDFile = "/etc/subgid"
)

// ForUser returns the ranges UIDFile and GIDFile grant the user with the
// given uid, matched by its passwd name and by number (a uid without a
// passwd entry by number only; newuidmap will refuse it, but that is its
// error to give). Without an entry in either file the error says how to
// add one.
func ForUser(uid uint32) (uids, gids []Range, err error) {
	name := ""
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		name = u.Username
	}
	if uids, err = Lookup(UIDFile, name, uid); err != nil {
		return nil, nil, hint(err, name)
	}
	if gids, err = Lookup(GIDFile, name, uid); err != nil {
		return nil, nil, hint(err, name)
	}
	return uids, gids, nil
}

func hint(err error, name string) error {
	if !errors.Is(err, ErrNoEntry) {
		return err
	}
	if name == "" {
		name = "NAME"
	}
	return fmt.Errorf("%w (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)", err, name)
}
