package integration

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const loops = 200

// TestRunLoop runs /bin/true with oci-run 200 times in a row.
func TestRunLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 200-run loop")
	}
	t.Parallel()
	r := newRT(t)
	b := r.bundle("true")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	mounts := hostMounts(t)
	prefix, ids := loopIDs(t, r, "runloop")
	for _, id := range ids {
		if res := r.oci("oci-run", "--bundle", b.dir, id); res.code != 0 {
			t.Fatalf("oci-run %s: %s", id, res)
		}
	}
	assertLoopClean(t, r, mounts, prefix, ids)
}

// TestLifecycleLoop creates, starts and force-deletes a sleeping
// container 200 times in a row.
func TestLifecycleLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 200-cycle loop")
	}
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	mounts := hostMounts(t)
	prefix, ids := loopIDs(t, r, "cycle")
	for _, id := range ids {
		r.must("oci-create", "--bundle", b.dir, id)
		r.must("oci-start", id)
		r.must("oci-delete", "--force", id)
	}
	assertLoopClean(t, r, mounts, prefix, ids)
}

// loopIDs returns the loop's container IDs, all starting with prefix; if
// the test fails, whatever is left of them is deleted.
func loopIDs(t *testing.T, r *rt, what string) (string, []string) {
	prefix := r.id(what)
	ids := make([]string, loops)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, id := range ids {
				r.exec(runOpts{}, "oci-delete", "--root", r.root, "--force", id)
			}
		}
	})
	return prefix, ids
}

// assertLoopClean checks, beyond assertClean, that the state directory is
// empty, that no cgroup directory of the loop's containers is anywhere in
// any hierarchy, and that the host has the same mounts as before.
func assertLoopClean(t *testing.T, r *rt, before []mountEntry, prefix string, ids []string) {
	t.Helper()
	assertClean(t, r.root, ids...)
	if names, err := readDirNames(r.root); err != nil || len(names) != 0 {
		t.Errorf("state directory after the loop: %v, %v; want it empty", names, err)
	}
	hierOnce.Do(func() { hiers, hierErr = ownHierarchies() })
	for _, h := range hiers {
		filepath.WalkDir(h.mountpoint, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "ocikit-"+prefix) {
				t.Errorf("cgroup %s is left", p)
			}
			return nil
		})
	}
	// A mount that went away meanwhile is something else's business; a
	// new one may be the loop's leak.
	after := hostMounts(t)
	if added := newMounts(before, after); len(added) > 0 {
		t.Errorf("the host had %d mounts before the loop and %d after; new: %v", len(before), len(after), added)
	}
}

// newMounts lists the mount points in after that are not in before.
func newMounts(before, after []mountEntry) []string {
	had := map[string]int{}
	for _, m := range before {
		had[m.point]++
	}
	var added []string
	for _, m := range after {
		if had[m.point] > 0 {
			had[m.point]--
			continue
		}
		added = append(added, m.point+" ("+m.fstype+")")
	}
	return added
}
