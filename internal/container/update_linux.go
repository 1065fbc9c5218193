package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// resourcesFile holds, in the container's folder, the linux.resources
// the container has now: the spec's, with every update merged onto them.
// Absent until the first update.
const resourcesFile = "resources.json"

// Update merges r onto the container's current resources (those of its
// spec, or of the last update) and applies the result to its cgroups
// through cgroups.Manager.Set, as create does. The container must be
// created, running or paused. Only what r names changes: a field r leaves unset
// keeps its value. The merged resources are saved only once Set has
// succeeded, so a refused update leaves the record as it was.
//
// Device rules are not updated: rewriting them under a running program
// could take away a device it holds open, and runc's update does not
// touch them either.
func Update(store *state.Store, id string, r *specs.LinuxResources) error {
	if r == nil {
		return cerr.E(id, "update", "", errors.New("no resources given"))
	}
	if r.Devices != nil {
		return cerr.E(id, "update", "", errors.New("linux.resources.devices: device rules cannot be updated"))
	}
	c, err := store.Get(id)
	if err != nil {
		return cerr.E(id, "update", "", err)
	}
	defer c.Close()
	rec, err := c.Load()
	if err != nil {
		return cerr.E(id, "update", "", err)
	}
	// A paused container's limits change as well: its frozen cgroups
	// take new values, which hold from the thaw on.
	if st := rec.Status(); st != state.Created && st != state.Running && st != state.Paused {
		return cerr.E(id, "update", "", fmt.Errorf("container is %s, not created, running or paused", st))
	}
	cur, path, err := currentResources(c)
	if err != nil {
		return cerr.E(id, "update", path, err)
	}
	merged, err := MergeResources(cur, r)
	if err != nil {
		return cerr.E(id, "update", "", err)
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return cerr.E(id, "update", "", err)
	}
	// Set gets the merged resources without the device rules: with none
	// and no created devices it leaves the cgroup's rules as they are.
	apply := *merged
	apply.Devices = nil
	if err := cg.Set(&apply); err != nil {
		return cerr.E(id, "update", "", err)
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return cerr.E(id, "update", "", fmt.Errorf("encode resources: %w", err))
	}
	p := c.Path(resourcesFile)
	if err := fsutil.WriteFileAtomic(p, b, 0o600, false); err != nil {
		return cerr.E(id, "update", p, reason(err))
	}
	return nil
}

// Resources returns the container's current linux.resources: the last
// update's, else its spec's (nil when the spec has none).
func Resources(store *state.Store, id string) (*specs.LinuxResources, error) {
	c, err := store.Get(id)
	if err != nil {
		return nil, cerr.E(id, "resources", "", err)
	}
	defer c.Close()
	r, path, err := currentResources(c)
	if err != nil {
		return nil, cerr.E(id, "resources", path, err)
	}
	return r, nil
}

// currentResources reads the resources an earlier update saved, or those
// of the spec the container was created with. The path returned names
// the file an error is about.
func currentResources(c *state.Container) (*specs.LinuxResources, string, error) {
	p := c.Path(resourcesFile)
	b, err := fsutil.ReadFile(p)
	switch {
	case err == nil:
		var r specs.LinuxResources
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, p, fmt.Errorf("decode: %w", err)
		}
		return &r, "", nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, p, reason(err)
	}
	p = c.Path(specFile)
	s, err := spec.Load(p)
	if err != nil {
		return nil, p, err
	}
	if s.Linux == nil {
		return nil, "", nil
	}
	return s.Linux.Resources, "", nil
}

// MergeResources returns cur with every field that r sets put over it,
// as runc merges an update onto the config's resources. Objects merge
// field by field at every depth; a list (devices, hugepageLimits, the
// blockIO device lists) replaces the current one whole. cur may be nil.
func MergeResources(cur, r *specs.LinuxResources) (*specs.LinuxResources, error) {
	base, err := toMap(cur)
	if err != nil {
		return nil, err
	}
	over, err := toMap(r)
	if err != nil {
		return nil, err
	}
	mergeMaps(base, over)
	b, err := json.Marshal(base)
	if err != nil {
		return nil, fmt.Errorf("encode resources: %w", err)
	}
	var out specs.LinuxResources
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode merged resources: %w", err)
	}
	return &out, nil
}

// toMap turns resources into their JSON object, numbers kept exact (a
// float64 would round a limit above 2^53).
func toMap(r *specs.LinuxResources) (map[string]any, error) {
	m := map[string]any{}
	if r == nil {
		return m, nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode resources: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode resources: %w", err)
	}
	return m, nil
}

func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		sub, ok := v.(map[string]any)
		if cur, isMap := dst[k].(map[string]any); ok && isMap {
			mergeMaps(cur, sub)
			continue
		}
		dst[k] = v
	}
}
