package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ocikit/ocikit/internal/subid"
)

// rlUser is the test-made user of the subordinate-id tests: it exists
// only in privateEtc's copies of /etc, with 65536 ids of each kind.
var rlUser = etcUser{name: "ocikit-rl", uid: 23456, gid: 23456,
	subuid: []subid.Range{{Start: 300000, Count: 65536}},
	subgid: []subid.Range{{Start: 300000, Count: 65536}}}

// rlMappings is the map of a rootless container with subordinate ids
// (oci-spec --rootless --subids): root is the user, 1.. its range.
const rlMappings = `[{"containerID":0,"hostID":23456,"size":1},{"containerID":1,"hostID":300000,"size":65536}]`

// needNewuidmap skips where the setuid helpers are missing (the VM guest
// has none: its newuidmap would need shared libraries it lacks).
func needNewuidmap(t *testing.T) {
	t.Helper()
	for _, h := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(h); err != nil {
			t.Skipf("needs %s (package uidmap) for a multi-range map", h)
		}
	}
}

// asUser is a runtime whose tools run as a user of privateEtc, on a
// bundle and a state directory that user owns.
type asUser struct {
	r      *rt
	t      *testing.T
	o      runOpts
	b      *bundle
	state  string
	uid    int
	spaced string
}

func newAsUser(t *testing.T, r *rt, u etcUser) *asUser {
	t.Helper()
	a := &asUser{r: r, t: t, o: privateEtc(t, []etcUser{u}), uid: int(u.uid)}
	r.traversable()
	a.b = r.bundle()
	a.state = r.dir("rootless-state")
	chownTree(t, a.b.dir, a.uid, int(u.gid))
	chownTree(t, a.state, a.uid, int(u.gid))
	t.Cleanup(func() {
		for _, id := range r.issued() {
			r.exec(runOpts{}, "oci-delete", "--root", a.state, "--force", id)
		}
	})
	return a
}

// try runs tool as the user; must fails the test unless it exits 0.
func (a *asUser) try(tool string, args ...string) result {
	a.t.Helper()
	return a.r.exec(a.o, tool, args...)
}

func (a *asUser) must(tool string, args ...string) result {
	a.t.Helper()
	res := a.try(tool, args...)
	if res.code != 0 {
		a.t.Fatalf("%s %s as uid %d: %s", tool, strings.Join(args, " "), a.uid, res)
	}
	return res
}

// spec writes the rootless spec with the subordinate-id map (oci-spec
// --rootless --subids, as the user, reading its ranges) and args.
func (a *asUser) spec(args string, more ...string) {
	a.t.Helper()
	a.must("oci-spec", "--bundle", a.b.dir, "--rootless", "--subids")
	if got := strings.TrimSpace(a.must("oci-spec", "--bundle", a.b.dir, "get", "linux.uidMappings").stdout); compactJSON(a.t, got) != rlMappings {
		a.t.Fatalf("oci-spec --rootless --subids wrote uidMappings %s, want %s", got, rlMappings)
	}
	a.must("oci-spec", append([]string{"--bundle", a.b.dir, "set",
		"process.terminal", "false", "process.args", args}, more...)...)
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b.String()
}

// TestRootlessSubids runs containers as a test-made user with a 65536-id
// map written by newuidmap/newgidmap: root inside is the user, the rest
// of the ids are its subordinate range, setgroups stays allowed (the
// range comes from /etc/subgid), files a container user makes belong to
// the mapped host id, and every lifecycle tool works.
func TestRootlessSubids(t *testing.T) {
	t.Parallel()
	needNewuidmap(t)
	r := newRT(t)
	a := newAsUser(t, r, rlUser)
	data := r.dir("data")
	if err := os.Chmod(data, 0o777); err != nil {
		t.Fatal(err)
	}
	a.spec(`["sh","-c","id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; ifconfig lo"]`)
	a.must("oci-spec", "--bundle", a.b.dir, "append", "mounts",
		`{"destination":"/data","type":"bind","source":"`+data+`","options":["rbind","rw"]}`)

	id := r.id("subids")
	res := a.must("oci-run", "--root", a.state, "--bundle", a.b.dir, id)
	got := strings.Join(strings.Fields(res.stdout), " ")
	want := "0 0 23456 1 1 300000 65536 0 23456 1 1 300000 65536 allow"
	if !strings.HasPrefix(got, want) {
		t.Errorf("id -u, uid_map, gid_map and setgroups inside: %q, want %q", got, want)
	}
	if !strings.Contains(res.stdout, " UP ") {
		t.Errorf("ifconfig lo in the rootless container's network namespace: %q, want it UP", res.stdout)
	}
	assertClean(t, a.state, id)

	// A file made by container uid:gid 1000:1000 is 300999 on the host.
	a.must("oci-spec", "--bundle", a.b.dir, "set",
		"process.user", `{"uid":1000,"gid":1000}`,
		"process.args", `["sh","-c","id -u; id -g; touch /data/made-by-1000"]`)
	id2 := r.id("subids-file")
	res = a.must("oci-run", "--root", a.state, "--bundle", a.b.dir, id2)
	if got := strings.Fields(res.stdout); strings.Join(got, " ") != "1000 1000" {
		t.Errorf("id inside as user 1000: %q", res.stdout)
	}
	fi, err := os.Lstat(filepath.Join(data, "made-by-1000"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 300999 || st.Gid != 300999 {
		t.Errorf("host owner of a file made by container uid 1000: %d:%d, want 300999:300999", st.Uid, st.Gid)
	}
	assertClean(t, a.state, id, id2)
}

// TestRootlessSubidsLifecycle walks create, start, state, exec, ps, kill
// and delete through a container with the 65536-id map, as the user.
func TestRootlessSubidsLifecycle(t *testing.T) {
	t.Parallel()
	needNewuidmap(t)
	r := newRT(t)
	a := newAsUser(t, r, rlUser)
	a.spec(`["sleep","1000"]`)
	id := r.id("subids-life")
	st := parseState(t, a.must("oci-create", "--root", a.state, "--bundle", a.b.dir, id).stdout)
	if got := parseState(t, a.must("oci-state", "--root", a.state, id).stdout); got.Status != "created" {
		t.Errorf("after create: %s, want created", got.Status)
	}
	a.must("oci-start", "--root", a.state, id)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if got := statusLine(t, string(status), "Uid"); got != "23456\t23456\t23456\t23456" {
		t.Errorf("host view of the container's uid: %q, want 23456", got)
	}
	if got := parseState(t, a.must("oci-state", "--root", a.state, id).stdout); got.Status != "running" {
		t.Errorf("after start: %s, want running", got.Status)
	}

	// exec joins the user namespace the user owns; a process of a
	// mapped non-root uid runs as the subordinate id.
	res := a.must("oci-exec", "--root", a.state, id, "--", "sh", "-c", "id -u; cat /proc/self/uid_map")
	if got := strings.Join(strings.Fields(res.stdout), " "); got != "0 0 23456 1 1 300000 65536" {
		t.Errorf("oci-exec id -u and uid_map: %q", res.stdout)
	}
	a.must("oci-exec", "--root", a.state, "--detach", "--user", "1000:1000", id, "--", "sleep", "999")
	// oci-ps prints one JSON object per process.
	uids := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSpace(a.must("oci-ps", "--root", a.state, id).stdout), "\n") {
		var p struct{ Pid int }
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("oci-ps line %q: %v", l, err)
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(strings.Fields(statusLine(t, string(data), "Uid"))[0])
		uids[uid] = true
	}
	if len(uids) != 2 || !uids[300999] || !uids[23456] {
		t.Errorf("host uids of the processes oci-ps lists: %v, want 23456 (root, the init) and 300999 (the exec'd uid 1000)", uids)
	}

	a.must("oci-kill", "--root", a.state, id, "KILL")
	eventually(t, "the killed container to stop", func() bool {
		res := a.try("oci-state", "--root", a.state, id)
		return res.code == 0 && parseState(t, res.stdout).Status == "stopped"
	})
	a.must("oci-delete", "--root", a.state, id)
	assertClean(t, a.state, id)
}
