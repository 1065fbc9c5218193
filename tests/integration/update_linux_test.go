package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var _ = func() bool { tools = append(tools, "oci-update"); return true }()

// updateBundle is a bundle whose program sleeps, with a 64 MiB memory
// limit and a limit of 20 processes.
func (r *rt) updateBundle() *bundle {
	b := r.bundle("sleep", "1000")
	limit, pids := int64(64<<20), int64(20)
	b.spec.Linux.Resources = &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	return b
}

// savedResources reads what oci-update recorded in the container's folder.
func (r *rt) savedResources(id string) specs.LinuxResources {
	r.t.Helper()
	var res specs.LinuxResources
	data, err := os.ReadFile(filepath.Join(r.root, id, "resources.json"))
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

func TestUpdateFlags(t *testing.T) {
	r := newRT(t)
	id, st := r.started(r.updateBundle(), "update")
	defer r.remove(id)
	if got := memLimit(t, st.Pid); got != strconv.Itoa(64<<20) {
		t.Fatalf("memory limit at create: %s", got)
	}
	r.must("oci-update", "--memory", "32m", "--pids-limit", "10", id)
	if got := memLimit(t, st.Pid); got != strconv.Itoa(32<<20) {
		t.Errorf("memory limit: %s, want 32 MiB", got)
	}
	if got := pidsMax(t, st.Pid); got != "10" {
		t.Errorf("pids.max: %s, want 10", got)
	}
	// A second update merges onto the first: the memory limit stays.
	r.must("oci-update", "--cpu-shares", "512", id)
	if got, want := cpuShares(t, st.Pid, 512); got != want {
		t.Errorf("cpu shares 512: %s, want %s", got, want)
	}
	if got := memLimit(t, st.Pid); got != strconv.Itoa(32<<20) {
		t.Errorf("memory limit after a cpu update: %s, want 32 MiB", got)
	}
	saved := r.savedResources(id)
	if saved.Memory == nil || saved.Memory.Limit == nil || *saved.Memory.Limit != 32<<20 ||
		saved.Pids == nil || saved.Pids.Limit == nil || *saved.Pids.Limit != 10 ||
		saved.CPU == nil || saved.CPU.Shares == nil || *saved.CPU.Shares != 512 {
		t.Errorf("saved resources: %+v", saved)
	}
	// runc's face, its flag names.
	r.must("oci-runtime", "update", "--cpu-share", "256", "--kernel-memory", "1m", id)
	if got, want := cpuShares(t, st.Pid, 256); got != want {
		t.Errorf("cpu shares 256 after oci-runtime update: %s, want %s", got, want)
	}
}

func TestUpdateResourcesJSON(t *testing.T) {
	r := newRT(t)
	b := r.updateBundle()
	id := r.id("update-json")
	st := r.create(b, id)
	defer r.remove(id)

	file := filepath.Join(r.base, "res.json")
	if err := os.WriteFile(file, []byte(`{"memory":{"limit":50331648},"pids":{"limit":7}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The flag overrides the file's field.
	r.must("oci-update", "-r", file, "--pids-limit", "8", id)
	if got := memLimit(t, st.Pid); got != "50331648" {
		t.Errorf("memory limit: %s, want 50331648", got)
	}
	if got := pidsMax(t, st.Pid); got != "8" {
		t.Errorf("pids.max: %s, want 8", got)
	}

	in := r.tempFile()
	if _, err := in.WriteString(`{"pids":{"limit":6}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	if res := r.exec(runOpts{stdin: in}, "oci-update", "--root", r.root, "--resources", "-", id); res.code != 0 {
		t.Fatalf("oci-update --resources -: %s", res)
	}
	if got := pidsMax(t, st.Pid); got != "6" {
		t.Errorf("pids.max from stdin: %s, want 6", got)
	}
	if got := memLimit(t, st.Pid); got != "50331648" {
		t.Errorf("memory limit after the stdin update: %s, want 50331648", got)
	}

	// A misspelt field is refused.
	if err := os.WriteFile(file, []byte(`{"pids":{"limt":3}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.oci("oci-update", "-r", file, id); res.code != 2 || !strings.Contains(res.stderr, "limt") {
		t.Errorf("misspelt field: %s", res)
	}
}

func TestUpdateRefused(t *testing.T) {
	r := newRT(t)
	id, st := r.started(r.updateBundle(), "update-bad")
	defer r.remove(id)
	bad := [][]string{
		{"--memory", "12x"},
		{"--pids-limit", "-5"},
		{"--cpu-shares", "many"},
		{"--cpuset-cpus", "3-1"},
	}
	for _, args := range bad {
		res := r.oci("oci-update", append(args, "--pids-limit", "3", id)...)
		if res.code != 2 || !strings.Contains(res.stderr, args[0]) {
			t.Errorf("oci-update %v: %s, want a usage error naming %s", args, res, args[0])
		}
	}
	// Refused by cgroups' checks: exit 1, and nothing written, not even
	// the valid pids limit beside it.
	res := r.oci("oci-update", "--memory", "32m", "--memory-swap", "16m", "--pids-limit", "3", id)
	if res.code != 1 {
		t.Errorf("swap below memory: %s", res)
	}
	errLine(t, res, "oci-update", id, "swap")
	res = r.oci("oci-update", "--blkio-weight", "5", "--pids-limit", "3", id)
	errLine(t, res, "oci-update", id, "blockIO.weight")
	if got := pidsMax(t, st.Pid); got != "20" {
		t.Errorf("pids.max after refused updates: %s, want 20", got)
	}
	if got := memLimit(t, st.Pid); got != strconv.Itoa(64<<20) {
		t.Errorf("memory limit after refused updates: %s", got)
	}
	if _, err := os.Stat(filepath.Join(r.root, id, "resources.json")); !os.IsNotExist(err) {
		t.Errorf("refused updates saved resources: %v", err)
	}
	if res := r.oci("oci-update", id); res.code != 2 {
		t.Errorf("update with nothing: %s", res)
	}
}

func TestUpdateStopped(t *testing.T) {
	r := newRT(t)
	b := r.updateBundle()
	b.spec.Process.Args = []string{"true"}
	id, _ := r.started(b, "update-stopped")
	defer r.remove(id)
	r.waitStatus(id, "stopped")
	res := r.oci("oci-update", "--pids-limit", "5", id)
	if res.code != 1 {
		t.Errorf("update of a stopped container: %s", res)
	}
	errLine(t, res, "oci-update", id, "update", "stopped")
}

// TestUpdatePidsLimit checks the limit's effect: after --pids-limit 5, a
// loop starting ten background processes gets four beside the shell. The
// loop runs in the container's own program, told to go by a file: an
// oci-exec process needs threads of its own under the limit.
func TestUpdatePidsLimit(t *testing.T) {
	r := newRT(t)
	b := r.updateBundle()
	b.spec.Process.Args = sh("while [ ! -e /go ]; do sleep 0.1; done; " +
		"for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1000 & echo $! >> /started; done")
	b.spec.Root.Readonly = false
	id, _ := r.started(b, "update-pids")
	defer r.remove(id)
	r.must("oci-update", "--pids-limit", "5", id)
	if err := os.WriteFile(filepath.Join(b.rootfs, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// ash gives up at the first fork the kernel refuses, and the
	// container stops with its shell.
	r.waitStatus(id, "stopped")
	data, err := os.ReadFile(filepath.Join(b.rootfs, "started"))
	if err != nil {
		t.Fatal(err)
	}
	if started := strings.Fields(string(data)); len(started) != 4 {
		t.Errorf("the loop started %d processes (%q), want 4 beside the shell", len(started), started)
	}
}
