package container

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMergeResources(t *testing.T) {
	limit, swap, pids, newLimit := int64(64<<20), int64(128<<20), int64(20), int64(32<<20)
	shares := uint64(512)
	cur := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit, Swap: &swap},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	got, err := MergeResources(cur, &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &newLimit},
		CPU:    &specs.LinuxCPU{Shares: &shares, Cpus: "0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Memory.Limit != newLimit || *got.Memory.Swap != swap || *got.Pids.Limit != pids ||
		*got.CPU.Shares != shares || got.CPU.Cpus != "0" {
		t.Errorf("merged: %+v %+v %+v %+v", got.Memory, got.Pids, got.CPU, got)
	}
	if *cur.Memory.Limit != limit {
		t.Error("merge changed the current resources")
	}
	got, err = MergeResources(nil, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &pids}})
	if err != nil || got.Pids == nil || *got.Pids.Limit != pids || got.Memory != nil {
		t.Errorf("merge onto nothing: %+v, %v", got, err)
	}
}
