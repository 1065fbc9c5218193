package integration

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestRootless runs a bundle that oci-spec --rootless configured, as an
// ordinary user with no passwd entry: the program is root and PID 1 in
// its namespaces, mapped to the user.
func TestRootless(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run the tools as another user")
	}
	const uid = 12345
	u := strconv.Itoa(uid)
	r.traversable()
	b := r.bundle()
	state := r.dir("rootless-state")
	chownTree(t, b.dir, uid, uid)
	chownTree(t, state, uid, uid)
	t.Cleanup(func() {
		for _, id := range r.issued() {
			r.exec(runOpts{}, "oci-delete", "--root", state, "--force", id)
		}
	})
	as := runOpts{
		prefix: []string{setpriv, "--reuid=" + u, "--regid=" + u, "--clear-groups"},
		env:    []string{"HOME=/nonexistent"},
	}
	user := func(tool string, args ...string) result {
		t.Helper()
		res := r.exec(as, tool, args...)
		if res.code != 0 {
			t.Fatalf("%s %s as uid %d: %s", tool, strings.Join(args, " "), uid, res)
		}
		return res
	}
	user("oci-spec", "--bundle", b.dir, "--rootless")
	user("oci-spec", "--bundle", b.dir, "set", "process.terminal", "false",
		"process.args", `["sh","-c","id -u; echo $$; cat /proc/self/uid_map; ifconfig lo | grep -o ' UP '"]`)

	id := r.id("rootless")
	res := user("oci-run", "--root", state, "--bundle", b.dir, id)
	if f := strings.Fields(res.stdout); strings.Join(f, " ") != "0 1 0 "+u+" 1 UP" {
		t.Errorf("id -u, $$, uid_map and lo's UP flag in the rootless container: %q, want 0, 1, \"0 %d 1\" and UP", res.stdout, uid)
	}
	assertClean(t, state, id)

	// The lifecycle tools work for the user on its own state directory.
	user("oci-spec", "--bundle", b.dir, "set", "process.args", `["sleep","1000"]`)
	id2 := r.id("rootless-life")
	st := parseState(t, user("oci-create", "--root", state, "--bundle", b.dir, id2).stdout)
	user("oci-start", "--root", state, id2)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if got := statusLine(t, string(status), "Uid"); got != u+"\t"+u+"\t"+u+"\t"+u {
		t.Errorf("host view of the rootless container's uid: %q, want %d", got, uid)
	}
	if got := parseState(t, user("oci-state", "--root", state, id2).stdout); got.Status != "running" {
		t.Errorf("rootless container is %s, want running", got.Status)
	}
	if got := strings.TrimSpace(user("oci-exec", "--root", state, id2, "--", "id", "-u").stdout); got != "0" {
		t.Errorf("oci-exec id -u in the rootless container: %q, want 0", got)
	}
	if ps := user("oci-ps", "--root", state, id2).stdout; !strings.Contains(ps, `"pid":`+strconv.Itoa(st.Pid)+",") {
		t.Errorf("oci-ps of the rootless container: %q, want the init %d", ps, st.Pid)
	}
	// The program is pid 1 of its namespace, which ignores an unhandled
	// SIGTERM: KILL it.
	user("oci-kill", "--root", state, id2, "KILL")
	eventually(t, "the rootless container to stop on SIGKILL", func() bool {
		return parseState(t, user("oci-state", "--root", state, id2).stdout).Status == "stopped"
	})
	user("oci-delete", "--root", state, id2)
	assertClean(t, state, id, id2)
}

// TestLoopbackUp checks that a container of root with a network
// namespace of its own has its loopback device up, so 127.0.0.1 is
// reachable: a closed port refuses the connection, where a down device
// would leave the network unreachable.
func TestLoopbackUp(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	out := r.inside(b, "ifconfig lo | grep -o ' UP '; nc 127.0.0.1 1 </dev/null 2>&1; true")
	if !strings.HasPrefix(out, " UP \n") || !strings.Contains(out, "Connection refused") {
		t.Errorf("lo in a new network namespace: %q, want UP and a refused connection to 127.0.0.1:1", out)
	}
}
