package integration

import (
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestExecJoinsNamespaces checks that an exec'd process is in every
// namespace of its container: the default spec's six, and containers
// with a user namespace (mapped), a time namespace (with an offset), or
// both besides.
func TestExecJoinsNamespaces(t *testing.T) {
	t.Parallel()
	base := []string{"mnt", "pid", "net", "ipc", "uts", "cgroup"}
	user := func(t *testing.T, r *rt, b *bundle) {
		const hostID = 100000
		r.traversable()
		chownTree(t, b.rootfs, hostID, hostID)
		b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
		b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
	}
	time := func(t *testing.T, r *rt, b *bundle) {
		b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
		b.spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 1000000}}
	}
	cases := []struct {
		name  string
		kinds []string
		edit  func(*testing.T, *rt, *bundle)
	}{
		{"default", base, func(*testing.T, *rt, *bundle) {}},
		{"user", append(base[:6:6], "user"), user},
		{"time", append(base[:6:6], "time"), time},
		{"user-time", append(base[:6:6], "user", "time"), func(t *testing.T, r *rt, b *bundle) {
			user(t, r, b)
			time(t, r, b)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			c.edit(t, r, b)
			id, st := r.started(b, "ns-"+c.name)
			script := "for n in " + strings.Join(c.kinds, " ") + "; do readlink /proc/self/ns/$n; done"
			res := r.oci("oci-exec", id, "sh", "-c", script)
			if res.code != 0 {
				t.Fatalf("oci-exec: %s", res)
			}
			got := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
			if len(got) != len(c.kinds) {
				t.Fatalf("output %q, want one line per namespace %v", res.stdout, c.kinds)
			}
			init := strconv.Itoa(st.Pid)
			for i, kind := range c.kinds {
				want := nsLink(t, init, kind)
				if want == nsLink(t, "self", kind) {
					t.Errorf("the container shares the test's %s namespace; joining it proves nothing", kind)
				}
				if got[i] != want {
					t.Errorf("%s namespace of the exec'd process: %s, want the init's %s", kind, got[i], want)
				}
			}
			r.remove(id)
		})
	}
}

// TestExecCgroup checks from inside that an exec'd process is in its
// container's cgroups: at the root of the container's cgroup namespace,
// or without one, where the host sees the init.
func TestExecCgroup(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "cgroupns")
	out := r.must("oci-exec", id, "cat", "/proc/self/cgroup")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("in the container's cgroup namespace, the exec'd process is at %q, not its root", l)
		}
	}

	var ns []specs.LinuxNamespace
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != specs.CgroupNamespace {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
	idHost, st := r.started(b, "cgroup")
	out = r.must("oci-exec", idHost, "cat", "/proc/self/cgroup")
	if want := mustRead(t, "/proc/"+strconv.Itoa(st.Pid)+"/cgroup"); out != want {
		t.Errorf("cgroups of the exec'd process:\n%s\nwant the init's:\n%s", out, want)
	}
	if !strings.Contains(out, "/ocikit-"+idHost+"\n") {
		t.Errorf("cgroups of the exec'd process:\n%s\nname none of the container's ocikit-%s", out, idHost)
	}
	r.remove(id, idHost)
}

// TestExecExitStatus: oci-exec exits with its process's status, 128+N
// when signal N killed it, and says nothing of it.
func TestExecExitStatus(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "status")
	cases := []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		// The process is not PID 1 of the namespace: it can kill itself.
		{"kill -KILL $$", 128 + 9},
		{"kill -USR1 $$", 128 + 10},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"oci-exec"}, {"oci-runtime", "exec"}} {
			args := append(cmd[1:], id, "sh", "-c", c.script)
			res := r.oci(cmd[0], args...)
			if res.code != c.want || res.stderr != "" {
				t.Errorf("%s of %q: %s, want exit %d and no message", strings.Join(cmd, " "), c.script, res, c.want)
			}
		}
	}
	r.remove(id)
}

// TestExecCreated runs a process in a container that is created, not
// started: the container stays created and starts afterwards.
func TestExecCreated(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sh", "-c", "echo started; sleep 1000")
	id := r.id("created")
	r.create(b, id)
	if out := r.must("oci-exec", id, "echo", "exec'd"); out != "exec'd\n" {
		t.Errorf("oci-exec in a created container printed %q", out)
	}
	if st := r.state(id); st.Status != "created" {
		t.Errorf("after oci-exec the container is %s, want created", st.Status)
	}
	r.must("oci-start", id)
	r.waitStatus(id, "running")
	r.remove(id)
}

// TestExecFailures: a missing or stopped container, a missing program and
// a missing working directory fail with one line saying so, and leave no
// process behind; a missing command is a usage error.
func TestExecFailures(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	missing := r.id("missing")
	res := r.oci("oci-exec", missing, "true")
	if res.code != 1 {
		t.Errorf("oci-exec into a missing container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-exec", missing, "exec", "does not exist")

	stopped, _ := r.started(r.bundle("true"), "stopped")
	r.waitStatus(stopped, "stopped")
	res = r.oci("oci-exec", stopped, "true")
	if res.code != 1 {
		t.Errorf("oci-exec into a stopped container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-exec", stopped, "exec", "stopped")

	running, st := r.started(r.bundle("sleep", "1000"), "running")
	res = r.oci("oci-exec", running, "no-such-program", "arg")
	if res.code != 1 {
		t.Errorf("oci-exec of a missing program: %s, want exit 1", res)
	}
	errLine(t, res, "oci-exec", running, "exec", `"no-such-program"`, "not found")
	res = r.oci("oci-exec", "--cwd", "/no/such/dir", running, "true")
	if res.code != 1 {
		t.Errorf("oci-exec --cwd /no/such/dir: %s, want exit 1", res)
	}
	errLine(t, res, "oci-exec", running, "/no/such/dir")
	if ps := strings.TrimSpace(r.must("oci-ps", running)); strings.Count(ps, "\n") != 0 || !strings.Contains(ps, `"pid":`+strconv.Itoa(st.Pid)+",") {
		t.Errorf("after the failed execs oci-ps lists %q, want only the init %d", ps, st.Pid)
	}

	for _, args := range [][]string{{running}, {running, "--"}, {"--user", "root", running, "true"}, {"-e", "NOEQUALS", running, "true"}} {
		if res := r.oci("oci-exec", args...); res.code != 2 {
			t.Errorf("oci-exec %s: %s, want usage error 2", strings.Join(args, " "), res)
		}
	}
	r.remove(stopped, running)
	assertClean(t, r.root, missing)
}
