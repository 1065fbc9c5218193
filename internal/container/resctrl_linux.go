package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/resctrl"
	"github.com/ocikit/ocikit/internal/state"
)

// rdtFile, in the container's folder, records the resctrl groups create
// put the container in, for exec (join) and delete (remove). Without it
// the container has no intelRdt, and nothing of resctrl is touched.
const rdtFile = "resctrl.json"

// rdtCreate puts the init, pid, in the resctrl group linux.intelRdt
// asks for, when it asks for one, and records the group. The resctrl
// mount is looked up in the runtime's own mount namespace, as the spec
// says; none is an error naming the field, never a container silently
// left in the default group.
func rdtCreate(c *state.Container, id string, rdt *specs.LinuxIntelRdt, pid int) error {
	if rdt == nil {
		return nil
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("linux.intelRdt: %w", err)
	}
	root, err := resctrl.FindRoot(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("linux.intelRdt: %w", err)
	}
	g, err := resctrl.Apply(root, id, rdt, pid)
	if err != nil {
		return err
	}
	data, err := json.Marshal(g)
	if err == nil {
		err = fsutil.WriteFileAtomic(c.Path(rdtFile), data, 0o600, false)
	}
	if err != nil {
		g.Remove()
		return fmt.Errorf("linux.intelRdt: record %q: %w", c.Path(rdtFile), err)
	}
	return nil
}

// readRDT reads the recorded group; nil when the container has none.
func readRDT(path string) (*resctrl.Group, error) {
	data, err := fsutil.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	var g resctrl.Group
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return &g, nil
}

// rdtJoin puts an exec'd process, pid, in the container's resctrl group,
// so that it is bound by the same cache and bandwidth limits.
func rdtJoin(store *state.Store, id string, pid int) error {
	g, err := readRDT(store.Path(id, rdtFile))
	if g == nil || err != nil {
		return err
	}
	return g.Join(pid)
}

// rdtRemove removes what rdtCreate made for the container: its MON group
// and the group named after it; a closID group stays.
func rdtRemove(c *state.Container) error {
	g, err := readRDT(c.Path(rdtFile))
	if g == nil || err != nil {
		return err
	}
	if err := g.Remove(); err != nil {
		return fmt.Errorf("linux.intelRdt: %w", err)
	}
	return nil
}
