package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hookArgv0 is the argv[0] the hooks of TestHookArgsEnvAndOutput get, to
// see it passed through as given.
const hookArgv0 = "custom-argv0/sh"

// hookRecord is one line a recording hook appended to its record file.
type hookRecord struct {
	kind  string
	mnt   string // readlink /proc/self/ns/mnt, as the hook saw it
	pid   string // readlink /proc/self/ns/pid
	state specs.State
}

// hookBundle is a bundle whose hooks append what they see to a record
// file: in recDir, bind-mounted on /rec in the container, so that the hooks
// running before pivot_root (host path), inside the container (/rec) and
// on the host all write the same file.
type hookBundle struct {
	*bundle
	recDir string // host directory of the record file
	record string // host path of the record file
}

func (r *rt) hookBundle(args ...string) *hookBundle {
	r.t.Helper()
	b := r.bundle(args...)
	dir := r.dir("rec")
	if err := os.Mkdir(filepath.Join(b.rootfs, "rec"), 0o755); err != nil {
		r.t.Fatal(err)
	}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/rec", Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
	b.spec.Hooks = &specs.Hooks{}
	b.spec.Annotations = map[string]string{"org.example.hooks": "yes"}
	return &hookBundle{bundle: b, recDir: dir, record: filepath.Join(dir, "record")}
}

// shell returns the busybox sh a hook of kind runs: the rootfs's through
// its host path, except for startContainer, whose path resolves in the
// container.
func (b *hookBundle) shell(kind string) string {
	if kind == "startContainer" {
		return "/bin/sh"
	}
	return filepath.Join(b.rootfs, "bin", "sh")
}

// recordPath is where a hook of kind finds the record file.
func (b *hookBundle) recordPath(kind string) string {
	if kind == "startContainer" {
		return "/rec/record"
	}
	return b.record
}

// script returns a hook of kind running script with busybox sh.
func (b *hookBundle) script(kind, script string) specs.Hook {
	return specs.Hook{Path: b.shell(kind), Args: []string{"sh", "-c", script}}
}

// nsRecord is the shell words a record line starts with after the name:
// the mount and pid namespaces of the process that writes it.
const nsRecord = `$(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid)`

// recorder returns a hook of kind that records itself; name tells it
// apart from the other hooks of its kind.
func (b *hookBundle) recorder(kind, name string) specs.Hook {
	return b.script(kind, fmt.Sprintf(`echo "%s %s $(cat)" >> %s`, name, nsRecord, b.recordPath(kind)))
}

// add appends hooks of kind to the spec.
func (b *hookBundle) add(kind string, hs ...specs.Hook) {
	h := b.spec.Hooks
	lists := map[string]*[]specs.Hook{
		"prestart": &h.Prestart, "createRuntime": &h.CreateRuntime, "createContainer": &h.CreateContainer, //nolint:staticcheck // prestart is deprecated, still run
		"startContainer": &h.StartContainer, "poststart": &h.Poststart, "poststop": &h.Poststop,
	}
	*lists[kind] = append(*lists[kind], hs...)
}

// records reads the record file.
func (b *hookBundle) records(t *testing.T) []hookRecord {
	t.Helper()
	data, err := os.ReadFile(b.record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var recs []hookRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, " ", 4)
		if len(f) < 3 {
			t.Fatalf("record line %q", line)
		}
		rec := hookRecord{kind: f[0], mnt: f[1], pid: f[2]}
		if len(f) == 4 && f[3] != "" {
			if err := json.Unmarshal([]byte(f[3]), &rec.state); err != nil {
				t.Fatalf("state in record line %q: %v", line, err)
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

func kinds(recs []hookRecord) []string {
	var ks []string
	for _, r := range recs {
		ks = append(ks, r.kind)
	}
	return ks
}

// ownNS is the test's namespace of type typ ("mnt", "pid"), the runtime's.
func ownNS(t *testing.T, typ string) string {
	t.Helper()
	ns, err := os.Readlink("/proc/self/ns/" + typ)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// newNS reports whether the spec gives the container a new namespace of
// type typ.
func newNS(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ && ns.Path == "" {
			return true
		}
	}
	return false
}

// TestHooksLifecycle runs every kind of hook through create, start and
// delete: each runs at its point, in order, in the mount and pid
// namespaces the spec says, with the container's state on its stdin, its
// pid as the hook's pid namespace numbers the init (runtime-spec 1.3,
// runtime.md "State").
func TestHooksLifecycle(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle(sh(`echo "program ` + nsRecord + `" >> /rec/record`)...)
	if !newNS(b.spec, specs.PIDNamespace) || !newNS(b.spec, specs.MountNamespace) {
		t.Fatal("the default spec has no new pid and mount namespaces; this test needs them")
	}
	all := []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}
	for _, k := range all {
		b.add(k, b.recorder(k, k+"-0"), b.recorder(k, k+"-1"))
	}
	id := r.id("hooks")
	created := r.create(b.bundle, id)
	want := []string{"prestart-0", "prestart-1", "createRuntime-0", "createRuntime-1", "createContainer-0", "createContainer-1"}
	if got := kinds(b.records(t)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after create, hooks ran %q, want %q", got, want)
	}
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)

	recs := b.records(t)
	// The program races the poststart hooks; everything else is ordered.
	var order []string
	var program *hookRecord
	for i := range recs {
		if recs[i].kind == "program" {
			program = &recs[i]
			continue
		}
		order = append(order, recs[i].kind)
	}
	want = append(want, "startContainer-0", "startContainer-1", "poststart-0", "poststart-1", "poststop-0", "poststop-1")
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("hooks ran %q, want %q", order, want)
	}
	if program == nil {
		t.Fatal("the program did not run")
	}
	if !before(recs, "startContainer-1", "program") {
		t.Errorf("the program ran before the startContainer hooks: %q", kinds(recs))
	}
	host, container := ownNS(t, "mnt"), program.mnt
	if host == container {
		t.Fatal("the container shares the test's mount namespace")
	}
	hostPid, containerPid := ownNS(t, "pid"), program.pid
	if hostPid == containerPid {
		t.Fatal("the container shares the test's pid namespace")
	}
	status := map[string]specs.ContainerState{
		"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
		"startContainer": "created", "poststart": "running", "poststop": "stopped",
	}
	for _, rec := range recs {
		if rec.kind == "program" {
			continue
		}
		kind := strings.TrimSuffix(strings.TrimSuffix(rec.kind, "-0"), "-1")
		inside := kind == "createContainer" || kind == "startContainer"
		wantNS, wantPidNS := host, hostPid
		if inside {
			wantNS, wantPidNS = container, containerPid
		}
		if rec.mnt != wantNS {
			t.Errorf("%s ran in mount namespace %s, want %s (host %s, container %s)", rec.kind, rec.mnt, wantNS, host, container)
		}
		if rec.pid != wantPidNS {
			t.Errorf("%s ran in pid namespace %s, want %s (host %s, container %s)", rec.kind, rec.pid, wantPidNS, hostPid, containerPid)
		}
		st := rec.state
		wantPid := created.Pid
		switch {
		case inside:
			wantPid = 1 // the init, as the container's new pid namespace numbers it
		case kind == "poststop":
			wantPid = 0 // the pid may belong to another process by then
		}
		if st.ID != id || st.Bundle != b.dir || st.Status != status[kind] || st.Pid != wantPid ||
			st.Version != b.spec.Version || st.Annotations["org.example.hooks"] != "yes" {
			t.Errorf("%s read the state %+v; want id %s, bundle %s, status %s, pid %d, version %s and the annotation",
				rec.kind, st, id, b.dir, status[kind], wantPid, b.spec.Version)
		}
	}
}

// TestHooksSharedPidNamespace: without a pid namespace of its own, the
// container sees the init by the runtime's number, and so do the hooks
// that run inside it.
func TestHooksSharedPidNamespace(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle("true")
	var nss []specs.LinuxNamespace
	for _, ns := range b.spec.Linux.Namespaces {
		if ns.Type != specs.PIDNamespace {
			nss = append(nss, ns)
		}
	}
	b.spec.Linux.Namespaces = nss
	for _, k := range []string{"createContainer", "startContainer"} {
		b.add(k, b.recorder(k, k))
	}
	id := r.id("hostpid")
	created := r.create(b.bundle, id)
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
	recs := b.records(t)
	if got := strings.Join(kinds(recs), " "); got != "createContainer startContainer" {
		t.Fatalf("ran %q, want createContainer startContainer", got)
	}
	for _, rec := range recs {
		if rec.pid != ownNS(t, "pid") {
			t.Errorf("%s ran in pid namespace %s, want the test's %s", rec.kind, rec.pid, ownNS(t, "pid"))
		}
		if rec.state.Pid != created.Pid {
			t.Errorf("%s read pid %d, want %d", rec.kind, rec.state.Pid, created.Pid)
		}
	}
}

// before reports whether a is recorded before b.
func before(recs []hookRecord, a, b string) bool {
	ia, ib := -1, -1
	for i, r := range recs {
		if r.kind == a && ia < 0 {
			ia = i
		}
		if r.kind == b && ib < 0 {
			ib = i
		}
	}
	return ia >= 0 && ib >= 0 && ia < ib
}

// TestHookArgsEnvAndOutput: a hook gets exactly its args (argv[0]
// included) and env, whether the runtime or the init runs it; a hook
// without args gets its path as argv; the hooks' output goes to the log,
// not to the tool's stdout.
func TestHookArgsEnvAndOutput(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle("true")
	dump := func(kind string) specs.Hook {
		out := b.recordPath(kind) + "-" + kind
		// The shell opens /proc/self/stat itself for the read builtin,
		// which gives its pid as the mounted procfs numbers it: before
		// pivot_root the container's init still sees the host's /proc.
		script := fmt.Sprintf(`read pid rest < /proc/self/stat; tr '\0' '|' < /proc/$pid/cmdline > %[1]s; echo >> %[1]s; tr '\0' '|' < /proc/$pid/environ >> %[1]s; echo out-%[2]s; echo err-%[2]s >&2`, out, kind)
		// An argv[0] that is not the path, and that busybox, which
		// picks its applet by the base name of argv[0] (the container's
		// /bin/sh, and the host's in a busybox-only system such as the
		// cgroup v2 test guest), still runs as sh.
		argv0 := hookArgv0
		return specs.Hook{Path: "/bin/sh", Args: []string{argv0, "-c", script, "a b", ""}, Env: []string{"HOOK=" + kind, "EMPTY="}}
	}
	for _, k := range []string{"createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		b.add(k, dump(k))
	}
	noArgs := filepath.Join(b.recDir, "noargs.sh")
	if err := os.WriteFile(noArgs, []byte("#!/bin/sh\necho \"$0|$#\" > "+b.record+"-noargs\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b.add("prestart", specs.Hook{Path: noArgs})

	// oci-run, which passes its logger to every step; the separate
	// tools: TestHookOutputSeparateTools.
	logFile := filepath.Join(b.recDir, "log")
	res := r.run(b.bundle, "--log", logFile, "--log-format", "json")
	if res.code != 0 || res.stdout != "" {
		t.Fatalf("oci-run: %s; want success and nothing on stdout", res)
	}

	for _, k := range []string{"createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		data, err := os.ReadFile(b.record + "-" + k)
		if err != nil {
			t.Errorf("%s hook: %v", k, err)
			continue
		}
		argv0 := hookArgv0
		lines := strings.SplitN(string(data), "\n", 2)
		if !strings.HasPrefix(lines[0], argv0+"|-c|") || !strings.HasSuffix(lines[0], "|a b||") {
			t.Errorf("%s hook argv %q, want %s -c SCRIPT 'a b' ''", k, lines[0], argv0)
		}
		if len(lines) < 2 || lines[1] != "HOOK="+k+"|EMPTY=|" {
			t.Errorf("%s hook environment %q, want exactly HOOK=%s and EMPTY=", k, lines[len(lines)-1], k)
		}
	}
	if data, err := os.ReadFile(b.record + "-noargs"); err != nil || string(data) != noArgs+"|0\n" {
		t.Errorf("a hook without args: argv %q (%v), want its path alone", data, err)
	}
	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		for _, stream := range []string{"out", "err"} {
			want := fmt.Sprintf(`"hook":"%s[0]","stream":"std%s","line":"%s-%s"`, k, stream, stream, k)
			if !strings.Contains(string(logText), want) {
				t.Errorf("the log lacks %s; it holds:\n%s", want, logText)
			}
		}
	}
}

// TestHookOutputSeparateTools: the output of the startContainer and
// poststart hooks goes to oci-start's --log, that of the poststop hooks
// to oci-delete's, never to the tools' stdout.
func TestHookOutputSeparateTools(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle("true")
	for _, k := range []string{"startContainer", "poststart", "poststop"} {
		b.add(k, b.script(k, fmt.Sprintf("echo out-%[1]s; echo err-%[1]s >&2", k)))
	}
	id := r.id("hooklog")
	r.create(b.bundle, id)
	startLog, deleteLog := filepath.Join(b.recDir, "start.log"), filepath.Join(b.recDir, "delete.log")
	// oci-start prints the state on stdout, and nothing else.
	if out := r.must("oci-start", "--log", startLog, "--log-format", "json", id); strings.Contains(out, "out-") || parseState(t, out).ID != id {
		t.Errorf("oci-start printed %q on stdout, want only its state", out)
	}
	r.waitStatus(id, "stopped")
	if out := r.must("oci-delete", "--log", deleteLog, "--log-format", "json", id); out != "" {
		t.Errorf("oci-delete printed %q on stdout", out)
	}
	assertClean(t, r.root, id)
	for file, ks := range map[string][]string{startLog: {"startContainer", "poststart"}, deleteLog: {"poststop"}} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			for _, stream := range []string{"out", "err"} {
				want := fmt.Sprintf(`"hook":"%s[0]","stream":"std%s","line":"%s-%s"`, k, stream, stream, k)
				if !strings.Contains(string(text), want) {
					t.Errorf("%s lacks %s; it holds:\n%s", filepath.Base(file), want, text)
				}
			}
		}
	}
}
