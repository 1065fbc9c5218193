package resctrl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/mountinfo"
)

// Group is where Apply put a container: what Join and Remove need, and
// what the caller records in the container's folder between runs.
type Group struct {
	// Dir is the CTRL_MON group: <root>/<closID or ID>, or the root
	// itself for closID "/".
	Dir string `json:"dir"`
	// Created says Apply made Dir for this container (closID unset),
	// so Remove removes it.
	Created bool `json:"created,omitempty"`
	// Mon is the container's MON group, <Dir>/mon_groups/<ID>, when
	// monitoring is enabled.
	Mon string `json:"mon,omitempty"`
}

// kernfs is the file system calls Apply makes, a fake resctrl in tests.
type kernfs struct {
	mkdir func(path string) error
	rmdir func(path string) error
	write func(path, data string) error
}

// realFS is resctrl itself: rmdir of a group takes its kernel files
// with it.
var realFS = kernfs{
	mkdir: func(path string) error { return os.Mkdir(path, 0o755) },
	rmdir: os.Remove,
	write: writeExisting,
}

// writeExisting writes data in one write(2) to a file that must exist:
// never O_CREAT, so a wrong path cannot leave a file where the kernel's
// should be.
func writeExisting(path, data string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ErrNotMounted says the runtime's mount namespace has no resctrl.
var ErrNotMounted = errors.New("no resctrl file system is mounted (the kernel needs CONFIG_X86_CPU_RESCTRL and a CPU with RDT, then mount -t resctrl resctrl /sys/fs/resctrl)")

// FindRoot returns the mount point of the first resctrl file system in
// the mountinfo table r (the runtime's /proc/self/mountinfo).
func FindRoot(r io.Reader) (string, error) {
	entries, err := mountinfo.ParseLenient(r)
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	for _, e := range entries {
		if e.FSType == "resctrl" && e.Root == "/" {
			return e.Mountpoint, nil
		}
	}
	return "", ErrNotMounted
}

// reserved are the names a CTRL_MON group cannot have: the directories
// the kernel keeps in the root.
var reserved = map[string]bool{"info": true, "mon_groups": true, "mon_data": true}

// groupName checks closID, or the container ID when it is unset, as one
// directory name under the root.
func groupName(closID, id string) (string, error) {
	name, field := closID, "linux.intelRdt.closID"
	if name == "" {
		name, field = id, "container id"
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\n") || reserved[name] {
		return "", fmt.Errorf("%s %q: not a resctrl group name", field, name)
	}
	return name, nil
}

// schemaLines is what the spec asks to write to schemata, in the order it
// requires: l3CacheSchema, memBwSchema, then each schemata line.
func schemaLines(rdt *specs.LinuxIntelRdt) []string {
	var lines []string
	for _, l := range []string{rdt.L3CacheSchema, rdt.MemBwSchema} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return append(lines, rdt.Schemata...)
}

// Apply puts process pid in the group rdt names under root, creating
// what the spec says to create; id is the container's ID. On error
// nothing it created is left.
func Apply(root, id string, rdt *specs.LinuxIntelRdt, pid int) (*Group, error) {
	return apply(realFS, root, id, rdt, pid)
}

func apply(kfs kernfs, root, id string, rdt *specs.LinuxIntelRdt, pid int) (_ *Group, err error) {
	lines := schemaLines(rdt)
	for _, l := range lines {
		if strings.Contains(l, "\n") {
			return nil, fmt.Errorf("linux.intelRdt: schema %q holds a newline", l)
		}
	}
	g := &Group{Dir: root}
	made := false
	defer func() {
		if err != nil {
			undo := Group{Dir: g.Dir, Created: made, Mon: g.Mon}
			undo.remove(kfs)
		}
	}()
	exists := true
	switch {
	case rdt.ClosID == "/":
		// The default group, the root: it always exists.
	case rdt.ClosID != "" && len(lines) == 0:
		// A pre-configured group, which the spec only names: it must
		// exist, and it is never made here.
		name, err := groupName(rdt.ClosID, id)
		if err != nil {
			return nil, err
		}
		g.Dir = filepath.Join(root, name)
		if fi, err := os.Stat(g.Dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("linux.intelRdt.closID %q: no such resctrl group in %s", rdt.ClosID, root)
		}
	default:
		name, err := groupName(rdt.ClosID, id)
		if err != nil {
			return nil, err
		}
		g.Dir = filepath.Join(root, name)
		switch err := kfs.mkdir(g.Dir); {
		case err == nil:
			made, exists = true, false
			// A group named by closID belongs to no container once
			// made: it may be shared, and is never removed.
			g.Created = rdt.ClosID == ""
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("linux.intelRdt: create resctrl group %q: %w%s", g.Dir, err, lastStatus(root))
		case rdt.ClosID == "":
			// The container's own group: one left by another
			// runtime or container is not adopted, since deleting
			// this container would then remove it.
			return nil, fmt.Errorf("linux.intelRdt: resctrl group %q exists already", g.Dir)
		}
	}
	if exists {
		// An existing group is used as it is: a schema the spec gives
		// must already hold there.
		if err := compare(g.Dir, lines); err != nil {
			return nil, err
		}
	} else {
		schemata := filepath.Join(g.Dir, "schemata")
		for _, l := range lines {
			if err := kfs.write(schemata, l+"\n"); err != nil {
				return nil, fmt.Errorf("linux.intelRdt: write %q to %s: %w%s", l, schemata, err, lastStatus(root))
			}
		}
	}
	if rdt.EnableMonitoring {
		mon := filepath.Join(g.Dir, "mon_groups", id)
		if err := kfs.mkdir(mon); err != nil {
			return nil, fmt.Errorf("linux.intelRdt.enableMonitoring: create MON group %q: %w%s", mon, err, lastStatus(root))
		}
		g.Mon = mon
	}
	if err := g.join(kfs, pid); err != nil {
		return nil, err
	}
	return g, nil
}

// Join writes pid to the tasks of the container's MON group, or of its
// CTRL_MON group without monitoring: a task in a MON group is in its
// parent CTRL_MON group too. An exec'd process joins this way.
func (g *Group) Join(pid int) error { return g.join(realFS, pid) }

func (g *Group) join(kfs kernfs, pid int) error {
	dir := g.Dir
	if g.Mon != "" {
		dir = g.Mon
	}
	tasks := filepath.Join(dir, "tasks")
	if err := kfs.write(tasks, strconv.Itoa(pid)); err != nil {
		return fmt.Errorf("linux.intelRdt: write pid %d to %s: %w", pid, tasks, err)
	}
	return nil
}

// Remove removes the MON group and, when Apply created it, the CTRL_MON
// group. The kernel moves any task left in them to the parent group.
// What is already gone is no error.
func (g *Group) Remove() error { return g.remove(realFS) }

func (g *Group) remove(kfs kernfs) error {
	var errs []error
	if g.Mon != "" {
		if err := kfs.rmdir(g.Mon); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove resctrl MON group: %w", err))
		}
	}
	if g.Created {
		if err := kfs.rmdir(g.Dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove resctrl group: %w", err))
		}
	}
	return errors.Join(errs...)
}

// lastStatus is the kernel's reason for the last failed resctrl write
// (info/last_cmd_status), as " (reason)", or nothing.
func lastStatus(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "info", "last_cmd_status"))
	s := strings.TrimSpace(string(data))
	if err != nil || s == "" || s == "ok" {
		return ""
	}
	return " (" + s + ")"
}
