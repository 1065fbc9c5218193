package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestSetAcceptsEmpty: zero values (as engines write them) mean "not
// set". (Device lists are applied: devices_*_test.go.)
func TestSetAcceptsEmpty(t *testing.T) {
	for name, r := range map[string]*specs.LinuxResources{
		"nil":     nil,
		"empty":   {},
		"devices": {Devices: []specs.LinuxDeviceCgroup{}},
		"zeros": {
			BlockIO: &specs.LinuxBlockIO{}, Network: &specs.LinuxNetwork{},
			HugepageLimits: []specs.LinuxHugepageLimit{}, Unified: map[string]string{},
			Memory: &specs.LinuxMemory{Limit: ptr[int64](0), Swap: ptr[int64](0), Kernel: ptr[int64](0), DisableOOMKiller: ptr(false)},
			CPU:    &specs.LinuxCPU{Shares: ptr[uint64](0), Quota: ptr[int64](0), Burst: ptr[uint64](0), Idle: ptr[int64](0)},
		},
		// kernelTCP is written on v1 (plan_blkio_rdma_linux_test.go).
		"kernel memory": {Memory: &specs.LinuxMemory{Kernel: ptr[int64](mib)}},
	} {
		m, f := fakeTree(t, v1Defaults)
		if err := m.set(r, f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", name, f.attempts)
		}
	}
}

func TestSetRefusesBadValues(t *testing.T) {
	for want, r := range map[string]*specs.LinuxResources{
		"linux.resources.memory.swap: 2097152 needs a memory limit":        {Memory: &specs.LinuxMemory{Swap: ptr[int64](2 * mib)}},
		"linux.resources.memory.swap: 2097152 needs a memory limit (":      {Memory: &specs.LinuxMemory{Limit: ptr[int64](-1), Swap: ptr[int64](2 * mib)}},
		"linux.resources.memory.swap: 1048576 is below":                    {Memory: &specs.LinuxMemory{Limit: ptr[int64](2 * mib), Swap: ptr[int64](mib)}},
		"linux.resources.memory.swappiness: 101 is above 100":              {Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](101)}},
		"linux.resources.memory.limit: -2: want -1 (unlimited)":            {Memory: &specs.LinuxMemory{Limit: ptr[int64](-2)}},
		"linux.resources.memory.reservation: -5: want -1 (unlimited)":      {Memory: &specs.LinuxMemory{Reservation: ptr[int64](-5)}},
		"linux.resources.memory.swap: -3: want -1 (unlimited) or a number": {Memory: &specs.LinuxMemory{Limit: ptr[int64](mib), Swap: ptr[int64](-3)}},
	} {
		// A valid pids limit beside the bad value is not written either.
		r.Pids = &specs.LinuxPids{Limit: ptr[int64](5)}
		m, f := fakeTree(t, v1Defaults)
		if err := m.set(r, f); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%v, want %q...", err, want)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", want, f.attempts)
		}
	}
}

// TestSetV2RefusesV1Only: v1-only settings are errors on cgroup v2.
func TestSetV2RefusesV1Only(t *testing.T) {
	for field, r := range map[string]*specs.LinuxResources{
		"linux.resources.memory.swappiness":       {Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](0)}},
		"linux.resources.memory.disableOOMKiller": {Memory: &specs.LinuxMemory{DisableOOMKiller: ptr(true)}},
		"linux.resources.cpu.realtimeRuntime":     {CPU: &specs.LinuxCPU{RealtimeRuntime: ptr[int64](1000)}},
		"linux.resources.cpu.realtimePeriod":      {CPU: &specs.LinuxCPU{RealtimePeriod: ptr[uint64](1000)}},
	} {
		m, f := fakeV2(t, "cpu memory pids")
		r.Pids = &specs.LinuxPids{Limit: ptr[int64](5)}
		err := m.set(r, f)
		if err == nil || !strings.HasPrefix(err.Error(), field+": not supported on cgroup v2") {
			t.Errorf("%s: %v", field, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", field, f.attempts)
		}
	}
}

func TestSetV2ControllerNotDelegated(t *testing.T) {
	m, f := fakeV2(t, "cpu memory")
	err := m.set(fullSpec(), f)
	top := filepath.Join(f.root, "unified", "p")
	if err == nil || !strings.Contains(err.Error(), "linux.resources.pids: the cgroup v2 pids controller is not available in "+`"`+top+`"`) ||
		!strings.Contains(err.Error(), filepath.Join(f.root, "unified", "cgroup.subtree_control")) {
		t.Errorf("set: %v", err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
}

// TestSetV2JoinedParent: when the runtime made only the leaf, it enables
// nothing: the parent is not its to change.
func TestSetV2JoinedParent(t *testing.T) {
	m, f := fakeV2(t, "memory")
	leaf := m.Paths["unified"]
	m.owned = []string{leaf}
	put(t, f.root, "unified/p/c/cgroup.controllers", "memory")
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](mib)}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); len(w) != 1 || w[0] != "unified/p/c/memory.max=1048576" {
		t.Errorf("writes %q", w)
	}

	put(t, f.root, "unified/p/c/cgroup.controllers", "")
	err := m.set(r, f)
	if err == nil || !strings.Contains(err.Error(), "memory controller is not available in "+`"`+leaf+`"`) {
		t.Errorf("undelegated: %v", err)
	}
}

// TestSetNotOwned: limits are never written into a cgroup the runtime
// did not create.
func TestSetNotOwned(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	m.owned = nil
	err := m.set(fullSpec(), f)
	if err == nil || !strings.Contains(err.Error(), m.Paths["memory"]) || !strings.Contains(err.Error(), "not created by this runtime") {
		t.Errorf("set: %v", err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
	// Nothing to set: fine.
	if err := m.set(&specs.LinuxResources{Devices: defaultDevices}, f); err != nil {
		t.Error(err)
	}
}

// TestSetHybrid: each controller goes to the hierarchy that carries it.
func TestSetHybrid(t *testing.T) {
	m, f := fakeTree(t, map[string]map[string]string{"memory": v1Defaults["memory"], "unified": v2Files})
	put(t, f.root, "unified/p/cgroup.controllers", "pids")
	put(t, f.root, "unified/p/cgroup.subtree_control", "")
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](mib)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](7)},
	}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"memory/p/c/memory.limit_in_bytes": "1048576",
		"unified/p/c/memory.max":           "max",
		"unified/p/c/pids.max":             "7",
		"unified/p/cgroup.subtree_control": "pids",
	})
}

func TestSetMissingController(t *testing.T) {
	m, f := fakeTree(t, map[string]map[string]string{"memory": v1Defaults["memory"]})
	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](7)}}
	err := m.set(r, f)
	if err == nil || err.Error() != "linux.resources.pids: no cgroup hierarchy of the container has the pids controller" {
		t.Errorf("set: %v", err)
	}
}

// TestSetRootless: a rootless runtime without a cgroup (for some or all
// controllers) warns once and applies what it can.
func TestSetRootless(t *testing.T) {
	log, buf := logBuffer()
	m := Load(State{})
	m.rootless, m.log = true, log
	if err := m.set(fullSpec(), &fakeFiles{t: t}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 || !strings.Contains(buf.String(), "not applied") {
		t.Errorf("log %q", buf)
	}
	buf.Reset()
	if err := m.set(&specs.LinuxResources{Devices: defaultDevices}, &fakeFiles{t: t}); err != nil ||
		strings.Count(buf.String(), "level=WARN") != 1 || !strings.Contains(buf.String(), "linux.resources.devices") {
		t.Errorf("defaults: %v, log %q", err, buf)
	}
	buf.Reset()

	// Memory delegated; pids, cpu and cpuset dropped by Create (the
	// unified hierarchy cannot have v1 controllers).
	m, f := fakeTree(t, map[string]map[string]string{"memory": v1Defaults["memory"], "unified": v2Files})
	m.rootless, m.log = true, log
	m.mounts = map[string]string{"memory": "", "pids": "", "cpu,cpuacct": "", "cpuset": "", "unified": ""}
	if err := m.set(fullSpec(), f); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 || !strings.Contains(buf.String(), "linux.resources.pids") ||
		!strings.Contains(buf.String(), "linux.resources.cpu") {
		t.Errorf("log %q", buf)
	}
	for _, w := range f.writes() {
		if !strings.HasPrefix(w, "memory/p/c/") {
			t.Errorf("wrote %s", w)
		}
	}
	if got := get(t, f.root, "memory/p/c/memory.limit_in_bytes"); got != "67108864" {
		t.Errorf("memory limit %s", got)
	}
}

// TestSetChecksCgroupFS: the host's files refuse a directory that is not
// on a cgroup file system (as a forged state file could name).
func TestSetChecksCgroupFS(t *testing.T) {
	d := filepath.Join(t.TempDir(), "victim")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "pids.max"), []byte("max\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := Load(State{Paths: map[string]string{"pids": d}, Owned: []string{d}})
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](5)}})
	if err == nil || !strings.Contains(err.Error(), "not on a cgroup file system") {
		t.Errorf("Set: %v", err)
	}
	if v, _ := readFile(d, "pids.max"); v != "max" {
		t.Errorf("pids.max = %q", v)
	}
}
