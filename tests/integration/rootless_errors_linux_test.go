package integration

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/spec"
)

// TestRootlessErrors checks that each reason an ordinary user's container
// cannot get its user namespace is told in words the user can act on,
// and that nothing is left behind.
func TestRootlessErrors(t *testing.T) {
	t.Parallel()
	needNewuidmap(t)

	t.Run("no newuidmap in PATH", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		a := newAsUser(t, r, rlUser)
		a.spec(`["true"]`)
		a.o.env = append(a.o.env, "PATH=/nonexistent")
		id := r.id("no-helper")
		res := a.try("oci-run", "--root", a.state, "--bundle", a.b.dir, id)
		errLine(t, lastLine(res), "oci-run", id, "newuidmap not found: install uidmap")
		assertClean(t, a.state, id)
	})

	t.Run("no subuid entry", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		bare := etcUser{name: "ocikit-nosub", uid: 23458, gid: 23458}
		a := newAsUser(t, r, bare)
		// oci-spec --subids would refuse this user; the map is written
		// by hand, asking for a range as rlUser's, which it has not.
		a.must("oci-spec", "--bundle", a.b.dir, "--rootless")
		m := `[{"containerID":0,"hostID":23458,"size":1},{"containerID":1,"hostID":300000,"size":65536}]`
		a.must("oci-spec", "--bundle", a.b.dir, "set", "process.args", `["true"]`,
			"linux.uidMappings", m, "linux.gidMappings", m)
		id := r.id("no-subuid")
		res := a.try("oci-run", "--root", a.state, "--bundle", a.b.dir, id)
		errLine(t, lastLine(res), "oci-run", id, "newuidmap", "user ocikit-nosub (uid 23458) has no entry in /etc/subuid")
		assertClean(t, a.state, id)
	})
}

// TestNoUserNamespaces runs the runtime where no user namespace may be
// made: inside a user namespace whose own limit is set to 0 (a
// per-namespace sysctl its root may write, so the host is untouched).
// The error names the sysctl.
func TestNoUserNamespaces(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux) to make the user namespace with no room")
	}
	b := r.bundle("true")
	spec.ToRootless(b.spec, 0, 0)
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	o := runOpts{prefix: []string{unshare, "--user", "--map-root-user", "/bin/sh", "-c",
		`echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"`, "sh"}}
	id := r.id("no-userns")
	res := r.exec(o, "oci-run", "--root", r.root, "--bundle", b.dir, id)
	errLine(t, lastLine(res), "oci-run", id, "create user namespace", "user.max_user_namespaces")
	assertClean(t, r.root, id)
}

// lastLine is res with only the last line of its stderr: a rootless
// runtime warns first that it runs without a cgroup of its own.
func lastLine(res result) result {
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	res.stderr = lines[len(lines)-1] + "\n"
	return res
}
