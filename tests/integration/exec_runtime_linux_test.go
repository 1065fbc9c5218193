package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"
)

// The tests of oci-runtime, ocikit behind runc 1.1's command line, as
// the engines call it.

// TestRuntimeExec runs processes with runc exec's long flags, and as
// containerd does: a process file, detached, with a pid file, printing
// nothing.
func TestRuntimeExec(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	b.spec.Process.NoNewPrivileges = false
	id, st := r.started(b, "rtexec")

	out := r.must("oci-runtime", "exec", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1001",
		"--additional-gids", "5", id, "sh", "-c", `echo "$FOO"; pwd; id -u; id -g; grep Groups /proc/self/status`)
	if want := "bar\n/tmp\n1000\n1001\nGroups:\t5 \n"; out != want {
		t.Errorf("oci-runtime exec --env --cwd --user --additional-gids: %q, want %q", out, want)
	}
	withCaps := append(append([]int(nil), defaultCaps...), unix.CAP_SYS_ADMIN)
	out = r.must("oci-runtime", "exec", "--cap", "CAP_SYS_ADMIN", "--no-new-privs", id, "cat", "/proc/self/status")
	if got := statusLine(t, out, "CapEff"); got != capMask(withCaps...) {
		t.Errorf("oci-runtime exec --cap CAP_SYS_ADMIN: CapEff %s, want %s", got, capMask(withCaps...))
	}
	if got := statusLine(t, out, "NoNewPrivs"); got != "1" {
		t.Errorf("oci-runtime exec --no-new-privs: NoNewPrivs %s, want 1", got)
	}

	// containerd's shim: exec --process FILE --detach --pid-file F ID.
	data, err := json.Marshal(specs.Process{Args: []string{"sleep", "998"}, Env: []string{"PATH=/bin"}, Cwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	procFile := filepath.Join(r.dir("process"), "process.json")
	if err := os.WriteFile(procFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, detached := range [][]string{
		{"--process", procFile, id},
		{id, "sleep", "997"},
	} {
		pidFile := filepath.Join(r.dir("pid"), "pid")
		args := append([]string{"exec", "--detach", "--pid-file", pidFile}, detached...)
		res := r.oci("oci-runtime", args...)
		if res.code != 0 || res.stdout != "" || res.stderr != "" {
			t.Errorf("oci-runtime %s: %s, want exit 0 and nothing printed", strings.Join(args, " "), res)
			continue
		}
		pids = append(pids, readPid(t, pidFile))
	}
	var listed []int
	if err := json.Unmarshal([]byte(r.must("oci-runtime", "ps", "--format", "json", id)), &listed); err != nil {
		t.Fatalf("oci-runtime ps --format json: %v", err)
	}
	for _, pid := range append(pids, st.Pid) {
		if !slices.Contains(listed, pid) {
			t.Errorf("oci-runtime ps lists %v, which lacks %d", listed, pid)
		}
	}
	r.remove(id)
}

// TestRuntimeLifecycle drives a container through oci-runtime's create,
// state, start, list, ps, kill and delete, checking runc's output of
// each.
func TestRuntimeLifecycle(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sh", "-c", "echo to-stdout; echo to-stderr >&2; exec sleep 1000")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("rtlife")
	pidFile := filepath.Join(r.dir("pid"), "pid")

	// create prints nothing and passes its streams to the container.
	stdout, stderr := r.tempFile(), r.tempFile()
	defer stdout.Close()
	defer stderr.Close()
	if code := r.execTo(stdout, stderr, "oci-runtime", "create", "--bundle", b.dir, "--pid-file", pidFile, id); code != 0 {
		t.Fatalf("oci-runtime create: exit %d, stderr %q", code, readAll(t, stderr))
	}
	if out, errs := readAll(t, stdout), readAll(t, stderr); out != "" || errs != "" {
		t.Errorf("oci-runtime create printed %q and %q, want nothing", out, errs)
	}
	pid := readPid(t, pidFile)

	// state: one indented object.
	out := r.must("oci-runtime", "state", id)
	if !strings.HasPrefix(out, "{\n  \"") || !strings.HasSuffix(out, "\n}\n") {
		t.Errorf("oci-runtime state printed %q, want one indented JSON object", out)
	}
	var st stateView
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("oci-runtime state: %v", err)
	}
	if st.ID != id || st.Status != "created" || st.Pid != pid || st.Bundle != b.dir {
		t.Errorf("oci-runtime state: %+v, want %s created with pid %d and bundle %s", st, id, pid, b.dir)
	}

	if res := r.oci("oci-runtime", "start", id); res.code != 0 || res.stdout != "" {
		t.Fatalf("oci-runtime start: %s, want exit 0 and nothing printed", res)
	}
	r.waitStatus(id, "running")
	eventually(t, "the container's output", func() bool {
		return readAll(t, stdout) == "to-stdout\n" && readAll(t, stderr) == "to-stderr\n"
	})

	var list []stateView
	if err := json.Unmarshal([]byte(r.must("oci-runtime", "list", "-f", "json")), &list); err != nil {
		t.Fatalf("oci-runtime list -f json: %v", err)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Status != "running" {
		t.Errorf("oci-runtime list -f json: %+v, want %s running", list, id)
	}
	if out := r.must("oci-runtime", "list", "-q"); out != id+"\n" {
		t.Errorf("oci-runtime list -q: %q, want %q", out, id+"\n")
	}
	table := strings.Split(r.must("oci-runtime", "list"), "\n")
	if len(table) < 2 || !strings.HasPrefix(table[0], "ID ") || !strings.HasPrefix(table[1], id+" ") || !strings.Contains(table[1], " running ") {
		t.Errorf("oci-runtime list: %q, want a header and a row for %s", table, id)
	}
	var pids []int
	if err := json.Unmarshal([]byte(r.must("oci-runtime", "ps", "-f", "json", id)), &pids); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("oci-runtime ps -f json: %v (%v), want [%d]", pids, err, pid)
	}

	if res := r.oci("oci-runtime", "kill", id, "KILL"); res.code != 0 || res.stdout != "" {
		t.Fatalf("oci-runtime kill ID KILL: %s", res)
	}
	r.waitStatus(id, "stopped")
	if res := r.oci("oci-runtime", "delete", id); res.code != 0 || res.stdout != "" {
		t.Fatalf("oci-runtime delete: %s", res)
	}
	assertClean(t, r.root, id)
	if res := r.oci("oci-runtime", "state", id); res.code != 1 {
		t.Errorf("oci-runtime state of a deleted container: %s, want exit 1", res)
	}
}

// TestRuntimeRun: run passes the streams through, exits with the
// program's status and deletes the container.
func TestRuntimeRun(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sh", "-c", "echo out; echo err >&2; exit 4")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("rtrun")
	res := r.oci("oci-runtime", "run", "--bundle", b.dir, id)
	if res.code != 4 || res.stdout != "out\n" || res.stderr != "err\n" {
		t.Errorf("oci-runtime run: %s, want exit 4, out and err", res)
	}
	assertClean(t, r.root, id)
}

func TestRuntimeSpec(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	dir := r.dir("spec")
	if res := r.oci("oci-runtime", "spec", "--bundle", dir); res.code != 0 || res.stdout != "" {
		t.Fatalf("oci-runtime spec --bundle: %s", res)
	}
	var s specs.Spec
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "config.json"))), &s); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	if s.Process == nil || !s.Process.Terminal || !slices.Equal(s.Process.Args, []string{"sh"}) || s.Root == nil || s.Root.Path != "rootfs" {
		t.Errorf("oci-runtime spec wrote %+v, want runc's default (sh on a terminal, root rootfs)", s)
	}
	if res := r.oci("oci-runtime", "spec", "--bundle", dir); res.code != 1 {
		t.Errorf("oci-runtime spec over an existing config.json: %s, want exit 1", res)
	}

	// runc spec --rootless, in the working directory.
	rootless := r.dir("spec")
	res := r.exec(runOpts{dir: rootless}, "oci-runtime", "--root", r.root, "spec", "--rootless")
	if res.code != 0 {
		t.Fatalf("oci-runtime spec --rootless: %s", res)
	}
	s = specs.Spec{}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(rootless, "config.json"))), &s); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	hasUser := s.Linux != nil && slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.UserNamespace })
	if !hasUser || len(s.Linux.UIDMappings) != 1 {
		t.Errorf("oci-runtime spec --rootless wrote no user namespace with a mapping: %+v", s.Linux)
	}
}

// TestRuntimeGlobals: runc's global flags that change nothing here are
// taken, --systemd-cgroup is refused, features describes the runtime,
// and with --log and --log-format json a failure is also a JSON line in
// the log file, where the engines look for it.
func TestRuntimeGlobals(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	for _, globals := range [][]string{
		{"--rootless", "true"}, {"--rootless=auto"}, {"--rootless", "false"}, {"--criu", "/usr/sbin/criu"}, {"--criu=criu"},
	} {
		args := append(append([]string{"--root", r.root}, globals...), "list", "-q")
		if res := r.exec(runOpts{}, "oci-runtime", args...); res.code != 0 || res.stdout != "" {
			t.Errorf("oci-runtime %s: %s, want the flag ignored", strings.Join(args, " "), res)
		}
	}
	res := r.oci("oci-runtime", "--systemd-cgroup", "list")
	if res.code == 0 || !strings.Contains(res.stderr, "systemd") {
		t.Errorf("oci-runtime --systemd-cgroup list: %s, want a failure naming systemd", res)
	}

	var f features.Features
	if err := json.Unmarshal([]byte(r.must("oci-runtime", "features")), &f); err != nil {
		t.Fatalf("oci-runtime features: %v", err)
	}
	if f.OCIVersionMax != specs.Version || f.Linux == nil || !slices.Contains(f.Linux.Namespaces, "time") || !slices.Contains(f.Linux.Capabilities, "CAP_SYS_ADMIN") {
		t.Errorf("oci-runtime features: %+v, want version %s, the time namespace and CAP_SYS_ADMIN", f, specs.Version)
	}

	logFile := filepath.Join(r.dir("log"), "log")
	missing := r.id("missing")
	res = r.oci("oci-runtime", "--log", logFile, "--log-format", "json", "start", missing)
	if res.code != 1 {
		t.Errorf("oci-runtime start of a missing container: %s, want exit 1", res)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(mustRead(t, logFile)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line %q is not JSON: %v", line, err)
			continue
		}
		msg, _ := rec["msg"].(string)
		found = found || rec["level"] == "error" && strings.Contains(msg, missing) && strings.Contains(msg, "does not exist")
	}
	if !found {
		t.Errorf("log file %q has no {\"level\":\"error\",\"msg\":…} line about %s", mustRead(t, logFile), missing)
	}
}
