package cgroups

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// enableV2 makes the controllers of the v2 groups available in the
// container's unified cgroup. A v2 cgroup has the controllers its parent
// lists in cgroup.subtree_control; this turns them on in the parents the
// runtime created, from the topmost down, and never in a cgroup it did not
// create: the host's cgroups (and a user's prepared ones) decide what they
// delegate. The topmost created cgroup must therefore already have every
// controller in its cgroup.controllers.
func (m *Manager) enableV2(f files, groups []group) error {
	var need []group
	for _, g := range groups {
		if g.v2 {
			need = append(need, g)
		}
	}
	if len(need) == 0 {
		return nil
	}
	leaf := m.Paths["unified"]
	// The cgroups Create made on the way to the leaf, top first. Create
	// makes a contiguous run of directories ending at the leaf, so the
	// walk up stops at the first one it did not make.
	chain := []string{leaf}
	for d := filepath.Dir(leaf); m.owns(d); d = filepath.Dir(d) {
		chain = append(chain, d)
	}
	slices.Reverse(chain)
	for _, d := range chain {
		if err := f.check(d); err != nil {
			return fmt.Errorf("%s: %w", need[0].field, err)
		}
	}

	top := chain[0]
	have, err := f.read(top, "cgroup.controllers")
	if err != nil {
		return fmt.Errorf("%s: read %q: %w", need[0].field, filepath.Join(top, "cgroup.controllers"), bare(err))
	}
	for _, g := range need {
		if !slices.Contains(strings.Fields(have), g.controller) {
			return fmt.Errorf("%s: the cgroup v2 %s controller is not available in %q (not in its cgroup.controllers); "+
				"enable it in %q, a cgroup this runtime does not change",
				g.field, g.controller, top, filepath.Join(filepath.Dir(top), "cgroup.subtree_control"))
		}
	}

	// Each created cgroup above the leaf passes the controllers down. The
	// leaf's own subtree_control stays as it is: it holds the processes,
	// and a v2 cgroup with processes may not enable controllers for
	// children.
	for _, d := range chain[:len(chain)-1] {
		on, err := f.read(d, "cgroup.subtree_control")
		if err != nil {
			return fmt.Errorf("%s: read %q: %w", need[0].field, filepath.Join(d, "cgroup.subtree_control"), bare(err))
		}
		for _, g := range need {
			if slices.Contains(strings.Fields(on), g.controller) {
				continue
			}
			if err := f.write(d, "cgroup.subtree_control", "+"+g.controller); err != nil {
				return fmt.Errorf("%s: enable the %s controller: %w", g.field, g.controller, err)
			}
		}
	}
	return nil
}
