package devicebpf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ocikit/ocikit/internal/cgroups"
)

func allow(typ byte, major, minor int64, acc cgroups.DeviceAccess) cgroups.DeviceRule {
	return cgroups.DeviceRule{Allow: true, Type: typ, Major: major, Minor: minor, Access: acc}
}

func deny(typ byte, major, minor int64, acc cgroups.DeviceAccess) cgroups.DeviceRule {
	return cgroups.DeviceRule{Type: typ, Major: major, Minor: minor, Access: acc}
}

// wild is a wildcard major or minor.
const wild = cgroups.AnyNumber

// TestProgramListing pins the program of a small policy, as cilium/ebpf
// lists it.
func TestProgramListing(t *testing.T) {
	p := &cgroups.DevicePolicy{Default: cgroups.DenyDevices, Rules: []cgroups.DeviceRule{
		allow('c', 136, wild, cgroups.AccessAll),
		allow('b', 8, 0, cgroups.AccessRead|cgroups.AccessWrite),
		deny('c', 136, 3, cgroups.AccessWrite),
	}}
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
	if got := fmt.Sprint(program(p)); got != want {
		t.Errorf("program:\n%s\nwant:\n%s", got, want)
	}
}

// TestProgramNone: a policy that cannot deny needs no program.
func TestProgramNone(t *testing.T) {
	for name, p := range map[string]*cgroups.DevicePolicy{
		"privileged":   {Default: cgroups.AllowDevices},
		"allows alone": {Rules: []cgroups.DeviceRule{allow('c', 1, 3, cgroups.AccessAll)}},
	} {
		if prog := program(p); prog != nil {
			t.Errorf("%s: %v", name, prog)
		}
	}
	if program(&cgroups.DevicePolicy{Default: cgroups.AllowDevices, Rules: []cgroups.DeviceRule{deny('c', 1, 5, cgroups.AccessRead)}}) == nil {
		t.Error("no program for a deny")
	}
}

// TestProgramSemantics runs the programs of many policies on every class
// of device and access request and compares the verdicts with the
// policy's own.
func TestProgramSemantics(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	policies := []*cgroups.DevicePolicy{
		{Default: cgroups.DenyDevices},
		{Default: cgroups.DenyDevices, Rules: []cgroups.DeviceRule{
			deny('c', 1, 5, cgroups.AccessAll), allow('b', 8, wild, cgroups.AccessRead|cgroups.AccessWrite), deny('b', 8, 1, cgroups.AccessWrite),
		}},
		{Default: cgroups.AllowDevices, Rules: []cgroups.DeviceRule{deny('c', wild, wild, cgroups.AccessMknod), allow('c', 1, wild, cgroups.AccessMknod)}},
		{Default: cgroups.DenyDevices, Rules: []cgroups.DeviceRule{allow('c', math.MaxUint32, math.MaxInt32+1, cgroups.AccessRead)}},
	}
	for range 300 {
		policies = append(policies, randomPolicy(rnd))
	}
	for _, p := range policies {
		prog := program(p)
		for _, d := range cgroups.DeviceProbes(p.Rules) {
			for acc := cgroups.DeviceAccess(1); acc <= cgroups.AccessAll; acc++ {
				want := p.Allows(d.Type, d.Major, d.Minor, acc)
				got := uint64(1)
				if prog != nil {
					got = runProgram(t, prog, d.Type, d.Major, d.Minor, acc)
				}
				if got != map[bool]uint64{true: 1, false: 0}[want] {
					t.Fatalf("policy %+v: %c %d:%d %s: program says %d, want %v\n%v", p, d.Type, d.Major, d.Minor, acc, got, want, prog)
				}
			}
		}
	}
}

// randomPolicy makes a policy of a few rules over a small set of
// devices, so rules overlap often.
func randomPolicy(rnd *rand.Rand) *cgroups.DevicePolicy {
	num := func() int64 { return []int64{wild, 1, 3, 5, 136}[rnd.IntN(5)] }
	p := &cgroups.DevicePolicy{Default: []cgroups.DeviceDefault{cgroups.InheritDevices, cgroups.DenyDevices, cgroups.AllowDevices}[rnd.IntN(3)]}
	for range rnd.IntN(8) {
		p.Rules = append(p.Rules, cgroups.DeviceRule{
			Allow:  rnd.IntN(2) == 0,
			Type:   []byte{'b', 'c'}[rnd.IntN(2)],
			Major:  num(),
			Minor:  num(),
			Access: cgroups.DeviceAccess(1 + rnd.IntN(int(cgroups.AccessAll))),
		})
	}
	return p
}
