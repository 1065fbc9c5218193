package criu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DescriptorsFile is the file in a checkpoint's image directory that
// lists what the init's descriptors 0, 1 and 2 were, as /proc/PID/fd
// links read ("pipe:[1234]", "/dev/null").
const DescriptorsFile = "descriptors.json"

// ReadDescriptors reads where the standard streams of pid point; a closed
// one is "".
func ReadDescriptors(procRoot string, pid int) ([3]string, error) {
	var d [3]string
	for fd := range d {
		p := filepath.Join(procRoot, strconv.Itoa(pid), "fd", strconv.Itoa(fd))
		link, err := os.Readlink(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return d, fmt.Errorf("read descriptor %q: %w", p, err)
		}
		d[fd] = link
	}
	return d, nil
}

// SaveDescriptors writes d to the image directory.
func SaveDescriptors(imageDir string, d [3]string) error {
	b, err := json.Marshal(d[:])
	if err != nil {
		return err
	}
	p := filepath.Join(imageDir, DescriptorsFile)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	return nil
}

// LoadDescriptors reads what SaveDescriptors wrote. A checkpoint made
// without it (by another tool) has no descriptors to reconnect.
func LoadDescriptors(imageDir string) ([3]string, error) {
	var d [3]string
	p := filepath.Join(imageDir, DescriptorsFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("read %q: %w", p, err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return d, fmt.Errorf("read %q: %w", p, err)
	}
	if len(list) != 3 {
		return d, fmt.Errorf("read %q: %d descriptors, want 3", p, len(list))
	}
	copy(d[:], list)
	return d, nil
}

// External reports whether a descriptor link names an object criu cannot
// recreate alone, a pipe or a socket whose other end was outside the
// container: the restore must be given a descriptor to put in its place.
// Files, devices and terminals are reopened by criu itself.
func External(link string) bool {
	return strings.HasPrefix(link, "pipe:[") || strings.HasPrefix(link, "socket:[")
}

// Inherit returns criu's --inherit-fd map for a restore: each standard
// stream of the dumped init that was an external pipe or socket is
// replaced by the same descriptor of the restoring process, which passes
// its own streams to criu. A pipe that was on two streams is given once,
// from the lower one.
func Inherit(d [3]string) map[int]string {
	m := map[int]string{}
	seen := map[string]bool{}
	for fd, link := range d {
		// stdout and stderr on one pipe: criu takes one descriptor per
		// object, and the restored process gets both ends from it.
		if External(link) && !seen[link] {
			m[fd] = link
			seen[link] = true
		}
	}
	return m
}
