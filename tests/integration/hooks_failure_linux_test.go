package integration

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestHookTimeout: a hook of any kind past its timeout is killed with
// what it started. At create and start it fails the step and leaves
// nothing running (create leaves nothing at all; a failed start leaves the
// container stopped, to be deleted); at delete it is a warning and the
// delete goes on.
func TestHookTimeout(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.hookBundle("sleep", "1000")
			pidFile := b.recordPath(kind) + "-pid"
			h := b.script(kind, "sleep 1000 & echo $! > "+pidFile+"; wait")
			one := 1
			h.Timeout = &one
			b.add(kind, h)
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("timeout")
			timedOut := []string{fmt.Sprintf("hook %s[0]", kind), "timed out after 1s"}
			switch kind {
			case "prestart", "createRuntime", "createContainer":
				res := r.oci("oci-create", "--bundle", b.dir, id)
				if res.code != 1 {
					t.Fatalf("oci-create with a hook past its timeout: %s", res)
				}
				errLine(t, res, "oci-create", id, timedOut...)
			case "startContainer", "poststart":
				created := r.create(b.bundle, id)
				res := r.oci("oci-start", id)
				if res.code != 1 {
					t.Fatalf("oci-start with a hook past its timeout: %s", res)
				}
				errLine(t, res, "oci-start", id, timedOut...)
				r.waitStatus(id, "stopped")
				if processAlive(created.Pid) {
					t.Errorf("the container's init %d still runs", created.Pid)
				}
				r.must("oci-delete", id)
			case "poststop":
				r.create(b.bundle, id)
				res := r.oci("oci-delete", "--force", id)
				if res.code != 0 || !strings.Contains(res.stderr, "hook failed") || !strings.Contains(res.stderr, "timed out after 1s") {
					t.Errorf("oci-delete with a poststop hook past its timeout: %s; want success and a warning", res)
				}
			}
			if kind != "createContainer" && kind != "startContainer" {
				// In the runtime's pid namespace, where its pid
				// means something: its child is killed with it.
				// (Inside, the container's end kills it.)
				data, err := os.ReadFile(pidFile)
				if err != nil {
					t.Fatal(err)
				}
				pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
				if err != nil {
					t.Fatal(err)
				}
				eventually(t, "the hook's child to die", func() bool { return !processAlive(pid) })
			}
			assertClean(t, r.root, id)
		})
	}
}

// processAlive reports whether pid is a process that has not exited.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

// TestCreateHookFailure: a failed prestart, createRuntime or
// createContainer hook fails the create with an error naming it; the
// hooks after it and the program do not run, the poststop hooks do, and
// nothing of the container is left.
func TestCreateHookFailure(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"prestart", "createRuntime", "createContainer"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.hookBundle(sh("echo program >> /rec/record")...)
			b.add(kind, b.recorder(kind, "ok"), b.script(kind, "echo why >&2; exit 7"), b.recorder(kind, "after"))
			b.add("poststop", b.recorder("poststop", "poststop"))
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("hookfail")
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code != 1 {
				t.Fatalf("oci-create with a failing %s hook: %s", kind, res)
			}
			errLine(t, res, "oci-create", id, fmt.Sprintf("hook %s[1] %q", kind, b.shell(kind)), "exit status 7", "why")
			if got := strings.Join(kinds(b.records(t)), " "); got != "ok poststop" {
				t.Errorf("ran %q, want the first hook, then the poststop hook", got)
			}
			assertClean(t, r.root, id)
		})
	}
}

// TestStartContainerHookFailure: a failed startContainer hook fails the
// start; the program never runs and the container is stopped, to be
// deleted as usual.
func TestStartContainerHookFailure(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle(sh("echo program >> /rec/record")...)
	b.add("startContainer", b.script("startContainer", "exit 5"), b.recorder("startContainer", "after"))
	b.add("poststop", b.recorder("poststop", "poststop"))
	id := r.id("startfail")
	r.create(b.bundle, id)
	res := r.oci("oci-start", id)
	if res.code != 1 {
		t.Fatalf("oci-start with a failing startContainer hook: %s", res)
	}
	errLine(t, res, "oci-start", id, `hook startContainer[0] "/bin/sh"`, "exit status 5")
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	if got := strings.Join(kinds(b.records(t)), " "); got != "poststop" {
		t.Errorf("ran %q, want only the poststop hook", got)
	}
	assertClean(t, r.root, id)
}

// TestPoststartHookFailure: a failed poststart hook fails the start with
// an error naming it (runtime-spec 1.3, runtime.md lifecycle step 9), the
// hooks after it do not run, and the program, already running, is killed
// before the error comes: the container is stopped. Its delete runs the
// poststop hooks and leaves nothing; oci-run does that delete itself.
func TestPoststartHookFailure(t *testing.T) {
	t.Parallel()
	prepare := func(r *rt) *hookBundle {
		b := r.hookBundle(sh("sleep 1000 & exec sleep 1001")...)
		b.add("poststart", b.recorder("poststart", "ok"), b.script("poststart", "echo why >&2; exit 4"), b.recorder("poststart", "after"))
		b.add("poststop", b.recorder("poststop", "poststop"))
		return b
	}
	t.Run("oci-start", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := prepare(r)
		id := r.id("poststartfail")
		created := r.create(b.bundle, id)
		res := r.oci("oci-start", id)
		if res.code != 1 {
			t.Fatalf("oci-start with a failing poststart hook: %s", res)
		}
		errLine(t, res, "oci-start", id, fmt.Sprintf("hook poststart[1] %q", b.shell("poststart")), "exit status 4", "why", "(container stopped)")
		// Stopped when oci-start returns, not eventually.
		if st := r.state(id); st.Status != "stopped" {
			t.Errorf("after the failed start the container is %s, want stopped", st.Status)
		}
		if processAlive(created.Pid) {
			t.Errorf("the container's init %d still runs", created.Pid)
		}
		if got := strings.Join(kinds(b.records(t)), " "); got != "ok" {
			t.Errorf("after start ran %q, want only the first poststart hook", got)
		}
		r.must("oci-delete", id)
		if got := strings.Join(kinds(b.records(t)), " "); got != "ok poststop" {
			t.Errorf("ran %q, want the first poststart hook, then the poststop hook", got)
		}
		assertClean(t, r.root, id)
	})
	t.Run("oci-run", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := prepare(r)
		res := r.run(b.bundle) // checks that nothing is left
		if res.code != 1 || !strings.Contains(res.stderr, "exit status 4") || !strings.Contains(res.stderr, "poststart[1]") {
			t.Errorf("oci-run with a failing poststart hook: %s; want exit 1 naming the hook", res)
		}
		if got := strings.Join(kinds(b.records(t)), " "); got != "ok poststop" {
			t.Errorf("ran %q, want the first poststart hook, then the poststop hook", got)
		}
	})
}

// TestPoststopHookFailure: a failed poststop hook is a warning; the hooks
// after it run and the delete succeeds.
func TestPoststopHookFailure(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle("true")
	b.add("poststop", b.script("poststop", "exit 4"), b.recorder("poststop", "poststop"))
	id := r.id("poststopfail")
	r.create(b.bundle, id)
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	res := r.oci("oci-delete", id)
	if res.code != 0 || !strings.Contains(res.stderr, "hook failed") || !strings.Contains(res.stderr, "poststop[0]") {
		t.Errorf("oci-delete with a failing poststop hook: %s; want success and a warning", res)
	}
	if got := strings.Join(kinds(b.records(t)), " "); got != "poststop" {
		t.Errorf("ran %q, want the second poststop hook", got)
	}
	assertClean(t, r.root, id)
}

// TestBadHookRefused: a hook with a relative path is refused before
// anything is made, even one that would run only at delete.
func TestBadHookRefused(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.hookBundle("true")
	b.add("poststop", specs.Hook{Path: "bin/true"})
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("badhook")
	res := r.oci("oci-create", "--bundle", b.dir, id)
	if res.code != 1 {
		t.Fatalf("oci-create with a relative hook path: %s", res)
	}
	errLine(t, res, "oci-create", id, `hooks.poststop.0.path: "bin/true" is not an absolute path`)
	assertClean(t, r.root, id)
}
