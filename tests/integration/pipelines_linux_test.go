package integration

import (
	"strings"
	"testing"
)

// pipe runs a shell pipeline of the tools, which are on its PATH, with
// $ROOT and $BUNDLE set.
func (r *rt) pipe(b *bundle, script string) result {
	r.t.Helper()
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	env := []string{"ROOT=" + r.root, "BUNDLE=" + b.dir}
	return r.exec(runOpts{env: env}, "/bin/sh", "-ec", "PATH="+binDir+":$PATH; "+script)
}

func TestPipelines(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id1, id2, id3 := r.id("pipe1"), r.id("pipe2"), r.id("pipe3")

	res := r.pipe(b, `oci-create --root "$ROOT" --bundle "$BUNDLE" `+id1+` | oci-start --root "$ROOT"`)
	if res.code != 0 {
		t.Fatalf("oci-create | oci-start: %s", res)
	}
	if st := parseState(t, res.stdout); st.ID != id1 || st.Status != "running" {
		t.Errorf("oci-start in a pipeline printed %+v", st)
	}
	if st := r.state(id1); st.Status != "running" {
		t.Fatalf("after oci-create | oci-start: %s", st.Status)
	}

	if res := r.pipe(b, `oci-state --root "$ROOT" `+id1+` | oci-kill --root "$ROOT" - KILL`); res.code != 0 {
		t.Fatalf("oci-state | oci-kill - KILL: %s", res)
	}
	r.waitStatus(id1, "stopped")

	// One of each status: stopped, created, running.
	r.create(b, id2)
	r.create(b, id3)
	r.must("oci-start", id3)
	if res := r.pipe(b, `oci-state --root "$ROOT" | oci-delete --root "$ROOT" --force`); res.code != 0 {
		t.Fatalf("oci-state | oci-delete --force: %s", res)
	}
	if out := r.must("oci-state"); out != "" {
		t.Errorf("containers left after oci-state | oci-delete --force: %s", out)
	}
	assertClean(t, r.root, id1, id2, id3)
}

// TestKillAll signals every process of a container: PID 1, a shell with
// no handler for SIGTERM, does not get it, but its children do, and the
// shell exits once they are gone.
func TestKillAll(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("sleep 1000 & sleep 1000 & wait")...)
	id := r.id("killall")
	r.detach(b, id)
	eventually(t, "both sleeps to start", func() bool {
		return strings.Count(strings.Join(leftProcesses([]string{id}), "\n"), "(sleep 1000)") == 2
	})
	r.must("oci-kill", "--all", id, "TERM")
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}
