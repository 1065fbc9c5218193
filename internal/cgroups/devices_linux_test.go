package cgroups

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rule is a spec device rule, for tables: major and minor -1 are left
// unset (wildcards).
func rule(allow bool, typ string, major, minor int64, acc string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Access: acc}
	if major >= 0 {
		r.Major = ptr(major)
	}
	if minor >= 0 {
		r.Minor = ptr(minor)
	}
	return r
}

func denyAll() specs.LinuxDeviceCgroup  { return specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"} }
func allowAll() specs.LinuxDeviceCgroup { return specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"} }

func ruleStrings(rs []DeviceRule) []string {
	var out []string
	for _, r := range rs {
		verb := "deny "
		if r.Allow {
			verb = "allow "
		}
		out = append(out, verb+r.String())
	}
	return out
}

func TestSpecRules(t *testing.T) {
	got, err := specRules([]specs.LinuxDeviceCgroup{
		denyAll(),
		rule(true, "c", 10, 229, "rw"),
		rule(true, "b", 8, -1, "mr"),
		{Allow: false, Type: "c", Major: ptr[int64](-1), Minor: ptr[int64](3), Access: "wwm"}, // runc's -1 wildcard, repeated letters
		{Allow: true, Type: "a", Major: ptr[int64](-1), Access: "mwr"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"deny a", "allow c 10:229 rw", "allow b 8:* rm", "deny c *:3 wm", "allow a"}
	if s := ruleStrings(got); !slices.Equal(s, want) {
		t.Errorf("rules %q, want %q", s, want)
	}
}

func TestSpecRulesRefused(t *testing.T) {
	for want, r := range map[string]specs.LinuxDeviceCgroup{
		`[1]: type "p": want "a", "b" or "c"`:                    rule(true, "p", 1, 3, "rwm"),
		`[1]: access "": want one or more of r, w and m`:         rule(true, "c", 1, 3, ""),
		`[1]: access "rwx": want one or more of r, w and m`:      rule(true, "c", 1, 3, "rwx"),
		`[1]: major -2: want a number from 0 to 4294967295`:      {Type: "c", Major: ptr[int64](-2), Access: "r"},
		`[1]: minor 4294967296: want a number from 0 to`:         {Type: "c", Minor: ptr[int64](1 << 32), Access: "r"},
		`[1]: a rule for every device (type "a") takes no major`: {Major: ptr[int64](1), Access: "rwm"},
		`[1]: a rule for every device (type "a") takes no `:      {Type: "a", Access: "r"},
	} {
		_, err := planDevices([]specs.LinuxDeviceCgroup{denyAll(), r}, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "linux.resources.devices"+want) {
			t.Errorf("%v, want %q", err, want)
		}
	}
	for want, d := range map[string]specs.LinuxDevice{
		`linux.devices[0] "/dev/x": type "x"`:                  {Path: "/dev/x", Type: "x"},
		`linux.devices[0] "/dev/x": device number -1:0 is out`: {Path: "/dev/x", Type: "c", Major: -1},
	} {
		_, err := planDevices(nil, []specs.LinuxDevice{d})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%v, want %q", err, want)
		}
	}
}

func TestPlanDevices(t *testing.T) {
	defaults := ruleStrings(containerDevices)
	for _, c := range []struct {
		name    string
		rules   []specs.LinuxDeviceCgroup
		created []specs.LinuxDevice
		base    DeviceDefault
		given   []string // after the defaults
		spec    []string
	}{
		{name: "default spec", rules: []specs.LinuxDeviceCgroup{denyAll()}, base: DenyDevices},
		{name: "privileged", rules: []specs.LinuxDeviceCgroup{allowAll()}, base: AllowDevices},
		{
			name:  "rules before the last reset have no effect",
			rules: []specs.LinuxDeviceCgroup{rule(true, "c", 1, 1, "r"), denyAll(), rule(true, "c", 4, 1, "r"), allowAll(), rule(false, "c", 1, 5, "rwm")},
			base:  AllowDevices, spec: []string{"deny c 1:5 rwm"},
		},
		{
			name:  "no reset: the parent's rules stand",
			rules: []specs.LinuxDeviceCgroup{rule(false, "c", 1, 5, "w")},
			base:  InheritDevices, spec: []string{"deny c 1:5 w"},
		},
		{
			name:  "created devices are allowed, FIFOs left out",
			rules: []specs.LinuxDeviceCgroup{denyAll()},
			created: []specs.LinuxDevice{
				{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
				{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0},
				{Path: "/dev/kmsg", Type: "u", Major: 1, Minor: 11},
				{Path: "/dev/fifo", Type: "p"},
			},
			base:  DenyDevices,
			given: []string{"allow c 10:229 rwm", "allow b 8:0 rwm", "allow c 1:11 rwm"},
		},
		{name: "created devices alone", created: []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}, base: InheritDevices, given: []string{"allow c 10:229 rwm"}},
	} {
		p, err := planDevices(c.rules, c.created)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p.base != c.base {
			t.Errorf("%s: base %d, want %d", c.name, p.base, c.base)
		}
		if g := ruleStrings(p.given); !slices.Equal(g, append(slices.Clone(defaults), c.given...)) {
			t.Errorf("%s: given %q", c.name, g)
		}
		if s := ruleStrings(p.spec); !slices.Equal(s, c.spec) {
			t.Errorf("%s: spec rules %q, want %q", c.name, s, c.spec)
		}
	}

	// Nothing to apply: the cgroup keeps the rules it was created with.
	for name, c := range map[string]struct {
		rules   []specs.LinuxDeviceCgroup
		created []specs.LinuxDevice
	}{"none": {}, "empty": {rules: []specs.LinuxDeviceCgroup{}}, "FIFO only": {created: []specs.LinuxDevice{{Path: "/dev/p", Type: "p"}}}} {
		if p, err := planDevices(c.rules, c.created); p != nil || err != nil {
			t.Errorf("%s: %v, %v", name, p, err)
		}
	}
}

func mustPlan(t *testing.T, rules ...specs.LinuxDeviceCgroup) *devicePlan {
	t.Helper()
	p, err := planDevices(rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func denyParent(byte, int64, int64, DeviceAccess) bool  { return false }
func allowParent(byte, int64, int64, DeviceAccess) bool { return true }

// TestPlanAllows: the last rule naming a device and an access decides
// it; the spec's rules win over the devices every container gets.
func TestPlanAllows(t *testing.T) {
	p := mustPlan(t, denyAll(), rule(true, "c", 10, 229, "rw"), rule(false, "c", 1, 5, "rwm"),
		rule(true, "b", 8, -1, "r"), rule(false, "b", 8, 1, "r"), rule(true, "c", 1, 3, "m"), rule(false, "c", 1, 3, "w"))
	for _, c := range []struct {
		dev  string
		acc  DeviceAccess
		want bool
	}{
		{"c 10:229", AccessRead | AccessWrite, true},
		{"c 10:229", AccessMknod, false},
		{"c 10:229", AccessRead | AccessMknod, false}, // every access must be allowed
		{"c 1:5", AccessRead, false},                  // a default taken away
		{"c 1:9", AccessRead, true},                   // a default
		{"c 136:7", AccessWrite, true},
		{"b 8:0", AccessRead, true},
		{"b 8:1", AccessRead, false},
		{"b 8:0", AccessWrite, false},
		{"c 1:3", AccessRead | AccessMknod, true},
		{"c 1:3", AccessWrite, false},
		{"c 4:1", AccessRead, false}, // the base
	} {
		var kind byte
		var major, minor int64
		fmt.Sscanf(c.dev, "%c %d:%d", &kind, &major, &minor)
		if got := p.allows(kind, major, minor, c.acc, allowParent); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.dev, c.acc, got, c.want)
		}
	}
	inherit := mustPlan(t, rule(false, "c", 1, 5, "w"))
	if !inherit.allows('c', 1, 5, AccessRead, allowParent) || inherit.allows('c', 1, 5, AccessWrite, allowParent) || inherit.allows('c', 4, 1, AccessRead, denyParent) {
		t.Error("a plan without a reset does not defer to the parent")
	}
}

// randomPlan makes a plan of a few rules over a small set of devices, so
// rules overlap often.
func randomPlan(t *testing.T, rnd *rand.Rand) *devicePlan {
	num := func() int64 { return []int64{-1, 1, 3, 5, 136}[rnd.IntN(5)] }
	var rules []specs.LinuxDeviceCgroup
	switch rnd.IntN(3) {
	case 0:
		rules = append(rules, denyAll())
	case 1:
		rules = append(rules, allowAll())
	}
	for range rnd.IntN(6) {
		acc := []string{"r", "w", "m", "rw", "rm", "wm", "rwm"}[rnd.IntN(7)]
		rules = append(rules, rule(rnd.IntN(2) == 0, []string{"b", "c"}[rnd.IntN(2)], num(), num(), acc))
	}
	var created []specs.LinuxDevice
	if rnd.IntN(4) == 0 {
		created = append(created, specs.LinuxDevice{Path: "/dev/x", Type: "b", Major: 3, Minor: 1})
	}
	p, err := planDevices(rules, created)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		p = &devicePlan{given: containerDevices}
	}
	return p
}
