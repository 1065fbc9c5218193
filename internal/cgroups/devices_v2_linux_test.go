package cgroups

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestDeviceProgramListing pins the program of a small plan, as
// cilium/ebpf lists it.
func TestDeviceProgramListing(t *testing.T) {
	p := &devicePlan{
		base:  denyBase,
		given: []devRule{{allow: true, kind: 'c', major: 136, minor: anyNum, acc: accAll}},
		spec: []devRule{
			{allow: true, kind: 'b', major: 8, minor: 0, acc: accRead | accWrite},
			{allow: false, kind: 'c', major: 136, minor: 3, acc: accWrite},
		},
	}
	want := `ocikit_devices:
	 0: LdXMemW dst: r2 src: r1 off: 0 imm: 0
	 1: LdXMemW dst: r4 src: r1 off: 4 imm: 0
	 2: LdXMemW dst: r5 src: r1 off: 8 imm: 0
	 3: MovReg32 dst: r3 src: r2
	 4: AndImm32 dst: r3 imm: 65535
	 5: RShImm32 dst: r2 imm: 16
	 6: JEqImm dst: r2 off: -1 imm: 0 <no_rule>
rule_2:
	  ; deny c 136:3 w
	 7: JNEImm dst: r3 off: -1 imm: 2 <rule_1>
	 8: JNEImm dst: r4 off: -1 imm: 136 <rule_1>
	 9: JNEImm dst: r5 off: -1 imm: 3 <rule_1>
	10: MovReg32 dst: r0 src: r2
	11: AndImm32 dst: r0 imm: 4
	12: JEqImm dst: r0 off: -1 imm: 0 <rule_1>
	13: MovImm32 dst: r0 imm: 0
	14: Exit
rule_1:
	  ; allow b 8:0 rw
	15: JNEImm dst: r3 off: -1 imm: 1 <rule_0>
	16: JNEImm dst: r4 off: -1 imm: 8 <rule_0>
	17: JNEImm dst: r5 off: -1 imm: 0 <rule_0>
	18: MovReg32 dst: r0 src: r2
	19: AndImm32 dst: r0 imm: 6
	20: JEqImm dst: r0 off: -1 imm: 0 <rule_0>
	21: AndImm32 dst: r2 imm: -7
	22: JNEImm dst: r2 off: -1 imm: 0 <rule_0>
	23: MovImm32 dst: r0 imm: 1
	24: Exit
rule_0:
	  ; allow c 136:* rwm
	25: JNEImm dst: r3 off: -1 imm: 2 <no_rule>
	26: JNEImm dst: r4 off: -1 imm: 136 <no_rule>
	27: MovImm32 dst: r0 imm: 1
	28: Exit
no_rule:
	29: MovImm32 dst: r0 imm: 0
	30: Exit
`
	if got := fmt.Sprint(p.program()); got != want {
		t.Errorf("program:\n%s\nwant:\n%s", got, want)
	}
}

// TestDeviceProgramNone: a plan that cannot deny needs no program.
func TestDeviceProgramNone(t *testing.T) {
	for name, p := range map[string]*devicePlan{
		"privileged":   mustPlan(t, allowAll()),
		"allows alone": {given: containerDevices},
	} {
		if prog := p.program(); prog != nil {
			t.Errorf("%s: %v", name, prog)
		}
	}
	if mustPlan(t, allowAll(), rule(false, "c", 1, 5, "r")).program() == nil {
		t.Error("no program for a deny")
	}
}

// TestDeviceProgramSemantics runs the programs of many plans on every
// class of device and access request and compares the verdicts with the
// plan's. A plan without a reset defers to the parent's programs: its own
// allows.
func TestDeviceProgramSemantics(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	plans := []*devicePlan{
		mustPlan(t, denyAll()),
		mustPlan(t, denyAll(), rule(false, "c", 1, 5, "rwm"), rule(true, "b", 8, -1, "rw"), rule(false, "b", 8, 1, "w")),
		mustPlan(t, allowAll(), rule(false, "c", -1, -1, "m"), rule(true, "c", 1, -1, "m")),
		mustPlan(t, denyAll(), rule(true, "c", math.MaxUint32, math.MaxInt32+1, "r")),
	}
	for range 300 {
		plans = append(plans, randomPlan(t, rnd))
	}
	for _, p := range plans {
		prog := p.program()
		for _, d := range probes(p.rules()) {
			for acc := access(1); acc <= accAll; acc++ {
				want := p.allows(d.kind, d.major, d.minor, acc, allowParent)
				got := uint64(1)
				if prog != nil {
					got = runProgram(t, prog, d.kind, d.major, d.minor, acc)
				}
				if got != map[bool]uint64{true: 1, false: 0}[want] {
					t.Fatalf("plan %+v: %c %d:%d %s: program says %d, want %v\n%v", p, d.kind, d.major, d.minor, acc, got, want, prog)
				}
			}
		}
	}
}

// TestSetV2Devices: on cgroup v2 the program goes to the container's
// cgroup, and no controller is enabled for it.
func TestSetV2Devices(t *testing.T) {
	m, f := fakeV2(t, "memory pids")
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll(), rule(false, "c", 1, 5, "rwm")}}
	if err := m.set(r, f, specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}); err != nil {
		t.Fatal(err)
	}
	leaf := m.Paths["unified"]
	prog := f.programs[leaf]
	if len(f.programs) != 1 || prog == nil {
		t.Fatalf("programs %v", f.programs)
	}
	if w := f.writes(); len(w) != 1 || !strings.HasPrefix(w[0], "unified/p/c=<program of") {
		t.Errorf("writes %q", w)
	}
	for _, c := range []struct {
		kind         byte
		major, minor int64
		want         uint64
	}{{'c', 1, 5, 0}, {'c', 1, 3, 1}, {'c', 10, 229, 1}, {'c', 136, 4, 1}, {'b', 8, 0, 0}} {
		if got := runProgram(t, prog, c.kind, c.major, c.minor, accRead|accWrite); got != c.want {
			t.Errorf("%c %d:%d: %d", c.kind, c.major, c.minor, got)
		}
	}

	// A privileged spec: nothing to attach, and the earlier one goes.
	if err := m.set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{allowAll()}}, f); err != nil {
		t.Fatal(err)
	}
	if len(f.programs) != 0 {
		t.Errorf("programs %v", f.programs)
	}
}
