package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var _ = func() bool { tools = append(tools, "oci-stats"); return true }()

// statsView is the part of oci-stats's object the tests look at.
type statsView struct {
	Memory *struct {
		Usage *uint64 `json:"usage"`
		Cache *uint64 `json:"cache"`
		Anon  *uint64 `json:"anon"`
	} `json:"memory"`
	CPU *struct {
		UsageTotal *uint64 `json:"usage_total"`
	} `json:"cpu"`
	Pids *struct {
		Current *uint64 `json:"current"`
		Limit   *uint64 `json:"limit"`
	} `json:"pids"`
}

func (r *rt) stats(id string) statsView {
	r.t.Helper()
	out := r.must("oci-stats", id)
	var s statsView
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		r.t.Fatalf("oci-stats printed %q: %v", out, err)
	}
	if s.Memory == nil || s.Memory.Usage == nil || s.CPU == nil || s.CPU.UsageTotal == nil || s.Pids == nil || s.Pids.Current == nil {
		r.t.Fatalf("oci-stats lacks memory usage, cpu usage_total or pids current: %s", out)
	}
	return s
}

// TestStats: the numbers oci-stats prints follow what the container does:
// pids counts its processes, memory grows by what it writes to a tmpfs,
// cpu time grows while it computes; a pids limit shows, and no memory
// limit is shown when there is none.
func TestStats(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("sleep 1000 & sleep 1000 & wait")...)
	limit := int64(64)
	if b.spec.Linux.Resources == nil {
		b.spec.Linux.Resources = &specs.LinuxResources{}
	}
	b.spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	id, _ := r.started(b, "stats")

	eventually(t, "three processes in the container's pids count", func() bool {
		return *r.stats(id).Pids.Current == 3
	})
	s := r.stats(id)
	if s.Pids.Limit == nil || *s.Pids.Limit != uint64(limit) {
		t.Errorf("pids limit %v, want %d", s.Pids.Limit, limit)
	}

	before := *s.Memory.Usage
	r.must("oci-exec", id, "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=20")
	after := r.stats(id)
	// The tmpfs pages stay charged to the container; what else it held
	// may shrink meanwhile (reclaimed page cache), so the check is the
	// 20 MiB alone, not before+20 MiB.
	if got := *after.Memory.Usage; got < 20<<20 || got <= before {
		t.Errorf("memory usage %d after writing 20 MiB to a tmpfs, %d before", got, before)
	}

	cpu0 := *after.CPU.UsageTotal
	r.must("oci-exec", id, "sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done")
	if cpu1 := *r.stats(id).CPU.UsageTotal; cpu1 <= cpu0 {
		t.Errorf("cpu usage_total %d after a busy loop, %d before", cpu1, cpu0)
	}

	out := r.must("oci-runtime", "events", "--stats", id)
	var ev struct {
		Type string    `json:"type"`
		ID   string    `json:"id"`
		Data statsView `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("oci-runtime events --stats printed %q (%v), want one JSON line", out, err)
	}
	if ev.Type != "stats" || ev.ID != id || ev.Data.Pids == nil || ev.Data.Pids.Current == nil || *ev.Data.Pids.Current != 3 {
		t.Errorf("oci-runtime events --stats: %s", out)
	}
	r.remove(id)
}

// TestStatsInterval: --interval prints a line per interval while the
// container runs and ends with success by itself once it stops.
func TestStatsInterval(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	id, _ := r.started(r.bundle("sleep", "1000"), "stats-interval")

	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "oci-stats"), "--root", r.root, "--interval", "100ms", id)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for n := 0; n < 3; n++ {
		if !sc.Scan() {
			t.Fatalf("oci-stats --interval ended after %d lines: %v; stderr %q", n, sc.Err(), stderr.String())
		}
		var s statsView
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil || s.Pids == nil {
			t.Fatalf("line %d: %q (%v)", n, sc.Text(), err)
		}
	}
	r.must("oci-kill", id, "KILL")
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("oci-stats --interval after the container stopped: %v; stderr %q", err, stderr.String())
	}
	r.remove(id)
}

// TestStatsErrors: a container that does not exist or has stopped is an
// error naming the container, exit status 1.
func TestStatsErrors(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	res := r.oci("oci-stats", "nosuch")
	if res.code != 1 {
		t.Fatalf("oci-stats of a missing container: %s", res)
	}
	errLine(t, res, "oci-stats", "nosuch", "does not exist")

	id, _ := r.started(r.bundle("true"), "stats-stopped")
	r.waitStatus(id, "stopped")
	res = r.oci("oci-stats", id)
	if res.code != 1 {
		t.Fatalf("oci-stats of a stopped container: %s", res)
	}
	errLine(t, res, "oci-stats", id, "stats", "not running")
	r.remove(id)
}
