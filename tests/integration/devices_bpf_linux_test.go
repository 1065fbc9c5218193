package integration

import (
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// deviceProgs lists the ids of the BPF_PROG_TYPE_CGROUP_DEVICE programs
// attached to the cgroup v2 directory dir itself (not inherited from its
// ancestors: no BPF_F_QUERY_EFFECTIVE), checking each is of that type.
func deviceProgs(t *testing.T, dir string) []ebpf.ProgramID {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := link.QueryPrograms(link.QueryOptions{Target: int(f.Fd()), Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		t.Fatalf("BPF_PROG_QUERY of %s: %v", dir, err)
	}
	var ids []ebpf.ProgramID
	for _, p := range res.Programs {
		prog, err := ebpf.NewProgramFromID(p.ID)
		if err != nil {
			t.Fatalf("program %d attached to %s: %v", p.ID, dir, err)
		}
		info, err := prog.Info()
		prog.Close()
		if err != nil {
			t.Fatalf("program %d attached to %s: %v", p.ID, dir, err)
		}
		if info.Type != ebpf.CGroupDevice {
			t.Errorf("program %d attached to %s as a device program has type %v", p.ID, dir, info.Type)
		}
		ids = append(ids, p.ID)
	}
	return ids
}
