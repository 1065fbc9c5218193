package mountinfo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Entry is one line of a mountinfo table.
type Entry struct {
	ID, Parent   int      // mount IDs; Parent is the ID itself for the namespace's root
	Major, Minor uint32   // st_dev of the file system's files
	Root         string   // the directory of the file system mounted here, unescaped
	Mountpoint   string   // where it is mounted, relative to the reader's root, unescaped
	Options      string   // per-mount options, e.g. "rw,nosuid,relatime"
	Optional     []string // propagation tags such as "shared:1" or "master:2"; nil when none
	FSType       string   // e.g. "ext4", "cgroup2", "fuse.sshfs"
	Source       string   // e.g. "/dev/vda" or "tmpfs", unescaped; may be empty
	SuperOptions string   // superblock options, e.g. "rw,memory"
}

// Parse reads a whole mountinfo table. A line that does not have the
// format is an error naming its line number, as is a failing read.
func Parse(r io.Reader) ([]Entry, error) { return parse(r, false) }

// ParseLenient reads a whole mountinfo table like Parse but skips
// malformed lines; only a failing read is an error.
func ParseLenient(r io.Reader) ([]Entry, error) { return parse(r, true) }

func parse(r io.Reader, lenient bool) ([]Entry, error) {
	var es []Entry
	// A bufio.Reader rather than a Scanner: an overlay mount's options can
	// list enough layers to outgrow any fixed line limit.
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if line == "" && err != nil {
			// The end, right after a newline or in an empty input.
			return es, nil
		}
		e, perr := parseLine(strings.TrimSuffix(line, "\n"))
		switch {
		case perr == nil:
			es = append(es, e)
		case !lenient:
			return nil, fmt.Errorf("line %d: %w", n, perr)
		}
		if err != nil {
			// The last line had no newline.
			return es, nil
		}
	}
}

// parseLine decodes one line without its newline.
func parseLine(line string) (Entry, error) {
	var e Entry
	f := strings.Split(line, " ")
	// The separator comes after the six fixed fields; one that appears
	// earlier is not a separator and the line lacks fields.
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || len(f) < sep+4 {
		return e, fmt.Errorf("malformed mountinfo line %q: want 6 fields, optional fields, \"-\" and 3 more", line)
	}
	var err error
	if e.ID, err = strconv.Atoi(f[0]); err != nil {
		return e, fmt.Errorf("malformed mountinfo line %q: mount ID: %w", line, err)
	}
	if e.Parent, err = strconv.Atoi(f[1]); err != nil {
		return e, fmt.Errorf("malformed mountinfo line %q: parent ID: %w", line, err)
	}
	if e.Major, e.Minor, err = parseDev(f[2]); err != nil {
		return e, fmt.Errorf("malformed mountinfo line %q: %w", line, err)
	}
	for i, name := range [...]string{"root", "mount point", "options"} {
		if f[3+i] == "" {
			return e, fmt.Errorf("malformed mountinfo line %q: empty %s", line, name)
		}
	}
	e.Root, e.Mountpoint, e.Options = Unescape(f[3]), Unescape(f[4]), f[5]
	if sep > 6 {
		e.Optional = f[6:sep]
	}
	// Fields after the superblock options, which no kernel writes today,
	// are left for a later format to define.
	e.FSType, e.Source, e.SuperOptions = f[sep+1], Unescape(f[sep+2]), f[sep+3]
	if e.FSType == "" {
		return e, fmt.Errorf("malformed mountinfo line %q: empty file system type", line)
	}
	return e, nil
}

// parseDev decodes a "major:minor" field.
func parseDev(s string) (major, minor uint32, err error) {
	ma, mi, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("device %q: want major:minor", s)
	}
	x, err := strconv.ParseUint(ma, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("device %q: %w", s, err)
	}
	y, err := strconv.ParseUint(mi, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("device %q: %w", s, err)
	}
	return uint32(x), uint32(y), nil
}

// Unescape undoes the kernel's octal escapes in a mountinfo path (\040
// for a space, \011 tab, \012 newline, \134 backslash). Since the kernel
// escapes every backslash, any \ooo in its output is an escape; a
// backslash not followed by three octal digits worth at most 0377 is kept.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
