package integration

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExitStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		noPID  bool // without a pid namespace, so sh is not PID 1
		want   int
	}{
		{"zero", "exit 0", false, 0},
		{"three", "exit 3", false, 3},
		{"max", "exit 255", false, 255},
		// A process that is not PID 1 of a namespace can kill itself.
		{"sigterm", "kill -TERM $$", true, 128 + 15},
		{"sigsegv", "kill -SEGV $$", true, 128 + 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle(sh(c.script)...)
			if c.noPID {
				var ns []specs.LinuxNamespace
				for _, n := range b.spec.Linux.Namespaces {
					if n.Type != specs.PIDNamespace {
						ns = append(ns, n)
					}
				}
				b.spec.Linux.Namespaces = ns
			}
			res := r.run(b)
			if res.code != c.want {
				t.Errorf("oci-run of %q: %s, want exit %d", c.script, res, c.want)
			}
			if res.stderr != "" {
				t.Errorf("the program's own status is not an error, yet oci-run printed %q", res.stderr)
			}
		})
	}
}

// TestExitBySignal kills a running oci-run's PID 1 from outside: oci-run
// exits 128+9.
func TestExitBySignal(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("sigkill")
	type ran struct {
		res result
		err error
	}
	done := make(chan ran, 1)
	go func() {
		res, err := r.tryExec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
		done <- ran{res, err}
	}()
	eventually(t, "the container to run", func() bool {
		res := r.oci("oci-state", id)
		return res.code == 0 && parseState(t, res.stdout).Status == "running"
	})
	r.must("oci-kill", id, "KILL")
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	if res := got.res; res.code != 137 {
		t.Errorf("oci-run of a program killed by SIGKILL: %s, want exit 137", res)
	}
	assertClean(t, r.root, id)
}

func TestSignalForwarding(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	// PID 1 gets only the signals it handles: trap TERM, and say so.
	b := r.bundle(sh(`trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done`)...)
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("forward")
	outF := r.tempFile()
	defer outF.Close()
	cmd := exec.Command(filepath.Join(binDir, "oci-run"), "--root", r.root, "--bundle", b.dir, id)
	cmd.Stdout = outF
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inflight.Store(cmd.Process.Pid, true)
	defer inflight.Delete(cmd.Process.Pid)
	eventually(t, "the program to be ready", func() bool { return strings.Contains(readAll(t, outF), "ready") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case <-waitErr:
	case <-time.After(toolTimeout):
		cmd.Process.Kill()
		t.Fatal("oci-run did not exit after its program got the forwarded SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 || !strings.Contains(readAll(t, outF), "got-term") {
		t.Errorf("after SIGTERM to oci-run: exit %d, output %q; want the program's trap to run and exit 7", code, readAll(t, outF))
	}
	assertClean(t, r.root, id)
}

func TestDetach(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id := r.id("detach")
	st := r.detach(b, id)
	if st.Status != "running" || st.Pid <= 0 || st.ID != id {
		t.Errorf("oci-run --detach printed %+v, want running with a pid", st)
	}
	if st2 := r.state(id); st2.Status != "running" || st2.Pid != st.Pid {
		t.Errorf("after oci-run --detach exited: %+v, want it running as pid %d", st2, st.Pid)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

// TestLifecycle walks create, start, kill and delete, checking the state
// each step shows.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	b.spec.Annotations = map[string]string{"org.example.key": "value"}
	id := r.id("life")
	before := time.Now().UTC()
	created := r.create(b, id)
	if created.Status != "created" || created.Pid <= 0 {
		t.Fatalf("oci-create printed %+v, want created with a pid", created)
	}
	raw := r.must("oci-state", id)
	var fields map[string]any
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ociVersion", "id", "status", "pid", "bundle", "rootfs", "created", "annotations"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("state lacks %q: %s", f, raw)
		}
	}
	st := parseState(t, raw)
	ts, err := time.Parse(time.RFC3339Nano, st.Created)
	switch {
	case st.OCIVersion != specs.Version || st.ID != id || st.Status != "created" || st.Pid != created.Pid:
		t.Errorf("state %+v, want ociVersion %s, id %s, created, pid %d", st, specs.Version, id, created.Pid)
	case st.Bundle != b.dir || st.Rootfs != b.rootfs:
		t.Errorf("state bundle %q rootfs %q, want %q and %q", st.Bundle, st.Rootfs, b.dir, b.rootfs)
	case err != nil || !strings.HasSuffix(st.Created, "Z") || ts.Before(before.Add(-time.Second)):
		t.Errorf("created %q is not an RFC 3339 UTC time of this test (%v)", st.Created, err)
	case st.Annotations["org.example.key"] != "value":
		t.Errorf("annotations %v, want the spec's", st.Annotations)
	}
	if comm := mustRead(t, "/proc/"+strconv.Itoa(st.Pid)+"/comm"); strings.TrimSpace(comm) == "sleep" {
		t.Error("the program runs before oci-start")
	}

	table := r.must("oci-state", "--format", "table")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "ID PID STATUS BUNDLE CREATED" {
		t.Errorf("oci-state --format table:\n%s", table)
	} else if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != id || f[1] != strconv.Itoa(st.Pid) || f[2] != "created" || f[3] != b.dir {
		t.Errorf("table row %q, want %s %d created %s", lines[1], id, st.Pid, b.dir)
	}

	started := parseState(t, r.must("oci-start", id))
	if started.Status != "running" || started.Pid != st.Pid {
		t.Errorf("oci-start printed %+v, want running, pid %d", started, st.Pid)
	}
	if st := r.state(id); st.Status != "running" {
		t.Errorf("after start: %s, want running", st.Status)
	}
	if comm := mustRead(t, "/proc/"+strconv.Itoa(st.Pid)+"/comm"); strings.TrimSpace(comm) != "sleep" {
		t.Errorf("after start the init is %q, want sleep", comm)
	}
	r.must("oci-kill", id, "KILL")
	stopped := r.waitStatus(id, "stopped")
	if stopped.Pid != 0 {
		t.Errorf("a stopped container shows pid %d", stopped.Pid)
	}
	r.must("oci-delete", id)
	if res := r.oci("oci-state", id); res.code != 1 {
		t.Errorf("oci-state of a deleted container: %s, want exit 1", res)
	}
	if out := r.must("oci-state"); out != "" {
		t.Errorf("oci-state lists %q after the delete", out)
	}
	assertClean(t, r.root, id)
}
