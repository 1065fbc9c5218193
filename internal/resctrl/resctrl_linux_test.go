package resctrl

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// fake is a resctrl tree in a temporary directory: mkdir makes a group
// with the files the kernel would put there, and every write is
// recorded, relative to the root.
type fake struct {
	root   string
	writes []string
	failOn string // a write whose data starts with this fails
}

func newFake(t *testing.T) *fake {
	f := &fake{root: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(f.root, "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.makeGroup(f.root, "L3:0=fff;1=fff\nMB:0=100;1=100\n"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fake) makeGroup(dir, schema string) error {
	if err := os.MkdirAll(filepath.Join(dir, "mon_groups"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tasks"), nil, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "schemata"), []byte(schema), 0o644)
}

func (f *fake) kfs() kernfs {
	return kernfs{
		mkdir: func(path string) error {
			if err := os.Mkdir(path, 0o755); err != nil {
				return err
			}
			if filepath.Base(filepath.Dir(path)) == "mon_groups" {
				return os.WriteFile(filepath.Join(path, "tasks"), nil, 0o644)
			}
			return f.makeGroup(path, "L3:0=fff;1=fff\nMB:0=100;1=100\n")
		},
		rmdir: os.RemoveAll,
		write: func(path, data string) error {
			rel, _ := filepath.Rel(f.root, path)
			f.writes = append(f.writes, rel+" "+data)
			if f.failOn != "" && strings.HasPrefix(data, f.failOn) {
				os.WriteFile(filepath.Join(f.root, "info", "last_cmd_status"), []byte("MB value 999 out of range\n"), 0o644)
				return unix.EINVAL
			}
			return writeExisting(path, data)
		},
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestCreateWritesSchemata(t *testing.T) {
	f := newFake(t)
	rdt := &specs.LinuxIntelRdt{
		L3CacheSchema: "L3:0=7f0;1=1f",
		MemBwSchema:   "MB:0=20;1=70",
		Schemata:      []string{"L2:0=f;1=f", "MB:0=30"},
	}
	g, err := apply(f.kfs(), f.root, "ctr1", rdt, 4242)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ctr1/schemata L3:0=7f0;1=1f\n",
		"ctr1/schemata MB:0=20;1=70\n",
		"ctr1/schemata L2:0=f;1=f\n",
		"ctr1/schemata MB:0=30\n",
		"ctr1/tasks 4242",
	}
	if !slices.Equal(f.writes, want) {
		t.Errorf("writes %q, want %q", f.writes, want)
	}
	if g.Dir != filepath.Join(f.root, "ctr1") || !g.Created || g.Mon != "" {
		t.Errorf("group %+v", g)
	}
	if err := g.remove(f.kfs()); err != nil || exists(g.Dir) {
		t.Errorf("remove: %v, still there: %v", err, exists(g.Dir))
	}

	// No schema: the group is made and nothing written to schemata.
	f.writes = nil
	g, err = apply(f.kfs(), f.root, "ctr2", &specs.LinuxIntelRdt{}, 7)
	if err != nil || !slices.Equal(f.writes, []string{"ctr2/tasks 7"}) {
		t.Errorf("no schema: %v, writes %q", err, f.writes)
	}
	g.remove(f.kfs())
}

func TestExistingClosMismatch(t *testing.T) {
	f := newFake(t)
	grp := filepath.Join(f.root, "gold")
	// As the kernel prints it: names padded, bitmasks zero-filled.
	if err := f.makeGroup(grp, "    L3:0=007f0;1=0001f\n    MB:0=20;1=70\n"); err != nil {
		t.Fatal(err)
	}

	g, err := apply(f.kfs(), f.root, "ctr", &specs.LinuxIntelRdt{ClosID: "gold", L3CacheSchema: "L3:0=7f0", MemBwSchema: "MB:1=70"}, 9)
	if err != nil {
		t.Fatalf("matching schema: %v", err)
	}
	if !slices.Equal(f.writes, []string{"gold/tasks 9"}) || g.Created {
		t.Errorf("matching schema: writes %q, group %+v; want only the pid, not created", f.writes, g)
	}
	g.remove(f.kfs())
	if !exists(grp) {
		t.Error("a closID group was removed")
	}

	for _, tc := range []struct {
		rdt  specs.LinuxIntelRdt
		id   string
		want string
	}{
		{specs.LinuxIntelRdt{ClosID: "gold", MemBwSchema: "MB:0=50"}, "ctr", "has MB:0=20, the spec asks for 50"},
		{specs.LinuxIntelRdt{ClosID: "gold", Schemata: []string{"L2:0=f"}}, "ctr", "has no L2 domain 0"},
		{specs.LinuxIntelRdt{ClosID: "silver"}, "ctr", `linux.intelRdt.closID "silver": no such resctrl group`},
		{specs.LinuxIntelRdt{ClosID: "/", L3CacheSchema: "L3:0=ff"}, "ctr", "has L3:0=fff, the spec asks for ff"},
		// The container's own group must not exist yet.
		{specs.LinuxIntelRdt{}, "gold", `resctrl group "` + grp + `" exists already`},
		{specs.LinuxIntelRdt{ClosID: "../x"}, "ctr", `linux.intelRdt.closID "../x": not a resctrl group name`},
		{specs.LinuxIntelRdt{ClosID: "info", L3CacheSchema: "L3:0=f"}, "ctr", "not a resctrl group name"},
		{specs.LinuxIntelRdt{ClosID: "gold", MemBwSchema: "MB:0=20\nL3:0=1"}, "ctr", "holds a newline"},
	} {
		f.writes = nil
		rdt := tc.rdt
		_, err := apply(f.kfs(), f.root, tc.id, &rdt, 9)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.rdt, err, tc.want)
		}
		if len(f.writes) != 0 {
			t.Errorf("%+v: wrote %q", tc.rdt, f.writes)
		}
	}
	if !exists(grp) {
		t.Error("a closID group was removed after a failure")
	}
}

func TestMonGroup(t *testing.T) {
	f := newFake(t)
	grp := filepath.Join(f.root, "gold")
	if err := f.makeGroup(grp, "L3:0=fff\n"); err != nil {
		t.Fatal(err)
	}
	g, err := apply(f.kfs(), f.root, "ctr", &specs.LinuxIntelRdt{ClosID: "gold", EnableMonitoring: true}, 11)
	if err != nil {
		t.Fatal(err)
	}
	mon := filepath.Join(grp, "mon_groups", "ctr")
	if g.Mon != mon || !slices.Equal(f.writes, []string{"gold/mon_groups/ctr/tasks 11"}) {
		t.Errorf("group %+v, writes %q", g, f.writes)
	}
	// An exec'd process joins the same MON group.
	f.writes = nil
	if err := g.join(f.kfs(), 12); err != nil || !slices.Equal(f.writes, []string{"gold/mon_groups/ctr/tasks 12"}) {
		t.Errorf("join: %v, writes %q", err, f.writes)
	}
	if err := g.remove(f.kfs()); err != nil || exists(mon) || !exists(grp) {
		t.Errorf("remove: %v; MON group left %v, closID group kept %v", err, exists(mon), exists(grp))
	}

	// A MON group the kernel refuses (no RMID left: ENOSPC) fails the
	// apply, and the container's own CTRL_MON group made for it goes.
	kfs := f.kfs()
	mkdir := kfs.mkdir
	kfs.mkdir = func(path string) error {
		if filepath.Base(filepath.Dir(path)) == "mon_groups" {
			return unix.ENOSPC
		}
		return mkdir(path)
	}
	_, err = apply(kfs, f.root, "ctr2", &specs.LinuxIntelRdt{EnableMonitoring: true}, 13)
	if err == nil || !strings.Contains(err.Error(), "linux.intelRdt.enableMonitoring: create MON group") || !errors.Is(err, unix.ENOSPC) {
		t.Errorf("MON group refused: got %v", err)
	}
	if exists(filepath.Join(f.root, "ctr2")) {
		t.Error("the container's group was left after a failure")
	}
}

func TestRemoveOnlyCreated(t *testing.T) {
	f := newFake(t)
	f.failOn = "MB:"
	// A new closID group whose schema the kernel refuses: it is removed
	// again, and the kernel's reason is in the error.
	_, err := apply(f.kfs(), f.root, "ctr", &specs.LinuxIntelRdt{ClosID: "bronze", L3CacheSchema: "L3:0=f", MemBwSchema: "MB:0=999"}, 5)
	if err == nil || !strings.Contains(err.Error(), `write "MB:0=999"`) || !strings.Contains(err.Error(), "(MB value 999 out of range)") {
		t.Errorf("got %v", err)
	}
	if exists(filepath.Join(f.root, "bronze")) {
		t.Error("the closID group made for the failed apply was left")
	}
	// A new closID group that worked stays on Remove: other containers
	// may name it.
	f.failOn = ""
	g, err := apply(f.kfs(), f.root, "ctr", &specs.LinuxIntelRdt{ClosID: "bronze", L3CacheSchema: "L3:0=f"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.remove(f.kfs()); err != nil || !exists(filepath.Join(f.root, "bronze")) {
		t.Errorf("remove: %v; the closID group must stay", err)
	}
	// The root, closID "/", is never removed.
	g, err = apply(f.kfs(), f.root, "ctr", &specs.LinuxIntelRdt{ClosID: "/"}, 5)
	if err != nil || g.Dir != f.root || g.Created {
		t.Fatalf("root group: %+v, %v", g, err)
	}
	if err := g.remove(f.kfs()); err != nil || !exists(filepath.Join(f.root, "tasks")) {
		t.Errorf("remove root: %v", err)
	}
	// Removing twice is no error.
	g = &Group{Dir: filepath.Join(f.root, "gone"), Created: true, Mon: filepath.Join(f.root, "gone", "mon_groups", "x")}
	if err := g.remove(f.kfs()); err != nil {
		t.Errorf("remove of what is gone: %v", err)
	}
}

func TestFindRoot(t *testing.T) {
	table := `22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw
40 22 0:35 / /sys/fs/resctrl rw,relatime shared:20 - resctrl resctrl rw
`
	if root, err := FindRoot(strings.NewReader(table)); err != nil || root != "/sys/fs/resctrl" {
		t.Errorf("got %q, %v", root, err)
	}
	if _, err := FindRoot(strings.NewReader("22 1 0:21 / /sys rw - sysfs sysfs rw\n")); !errors.Is(err, ErrNotMounted) {
		t.Errorf("no resctrl: got %v", err)
	}
}
