package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// unifiedPlan is linux.resources.unified: raw cgroup v2 files and their
// values, written into the container's v2 cgroup after everything else.
// Its zero value writes nothing.
type unifiedPlan struct {
	dir    string
	keys   []string // sorted, for a stable order of writes and errors
	values map[string]string
}

// cgroupKeys are the only core ("cgroup.") files a spec may write: limits
// on the container's own sub-cgroups. The others would move processes in
// (cgroup.procs, a pid of the host), freeze or kill the container behind
// the runtime's back, or change what the runtime relies on
// (cgroup.subtree_control, cgroup.type).
var cgroupKeys = []string{"cgroup.max.depth", "cgroup.max.descendants"}

// planUnified checks the keys of u and returns the plan, with the v2
// controllers its keys need turned on (a group without writes each, for
// enableV2). have lists the groups already planned, whose controllers
// need no second group. skip is true for a rootless runtime without a v2
// cgroup, which warns instead.
func (m *Manager) planUnified(u map[string]string, have []group) (p unifiedPlan, need []group, skip bool, err error) {
	if len(u) == 0 {
		return unifiedPlan{}, nil, false, nil
	}
	keys := slices.Sorted(maps.Keys(u))
	for _, k := range keys {
		if err := unifiedKeyOK(k); err != nil {
			return unifiedPlan{}, nil, false, fmt.Errorf("linux.resources.unified: key %q: %w", k, err)
		}
	}
	dir, ok := m.Paths["unified"]
	if !ok {
		if m.rootless {
			return unifiedPlan{}, nil, true, nil
		}
		return unifiedPlan{}, nil, false, errors.New("linux.resources.unified: needs cgroup v2, and the container has no v2 cgroup (a cgroup v1 host)")
	}
	if !m.owns(dir) {
		return unifiedPlan{}, nil, false, fmt.Errorf("linux.resources.unified: cgroup %q was not created by this runtime, which leaves its limits alone", dir)
	}
	for _, k := range keys {
		c, _, _ := strings.Cut(k, ".")
		if c == "cgroup" || slices.ContainsFunc(append(have, need...), func(g group) bool { return g.v2 && g.controller == c }) {
			continue
		}
		need = append(need, group{controller: c, field: "linux.resources.unified." + k, key: "unified", v2: true})
	}
	return unifiedPlan{dir: dir, keys: keys, values: u}, need, false, nil
}

// unifiedKeyOK refuses a key that is not the plain name of a controller's
// file: a "/" or ".." would reach a file outside the container's cgroup
// (its parent's limits, the host's), and the core files are limited to
// cgroupKeys.
func unifiedKeyOK(k string) error {
	c, rest, ok := strings.Cut(k, ".")
	switch {
	case strings.ContainsAny(k, "/\x00") || strings.Contains(k, ".."):
		return errors.New(`not a file name of the cgroup (a "/" or "..")`)
	case !ok || c == "" || rest == "":
		return errors.New("not a cgroup v2 file name (CONTROLLER.NAME)")
	case c == "cgroup" && !slices.Contains(cgroupKeys, k):
		return fmt.Errorf("a core file the runtime manages; only %s may be set", strings.Join(cgroupKeys, " and "))
	}
	return nil
}

// check makes sure every key names a file of the cgroup (once its
// controllers are on), before anything is written.
func (p unifiedPlan) check(f files) error {
	if len(p.keys) == 0 {
		return nil
	}
	if err := f.check(p.dir); err != nil {
		return fmt.Errorf("linux.resources.unified: %w", err)
	}
	for _, k := range p.keys {
		if _, err := f.read(p.dir, k); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("linux.resources.unified.%s: no such file in cgroup %q (a controller not available there, or a file this kernel lacks)", k, p.dir)
		}
	}
	return nil
}

func (p unifiedPlan) run(f files) error {
	for _, k := range p.keys {
		w := write{field: "linux.resources.unified." + k, file: k, value: p.values[k]}
		if err := w.run(f, p.dir); err != nil {
			return err
		}
	}
	return nil
}
