package cgroups

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const devicesField = "linux.resources.devices"

// v1Devices models a v1 devices cgroup as the kernel keeps it
// (security/device_cgroup.c): a default, allow or deny, and a list of
// exceptions to it. Writing "a" to devices.allow or devices.deny sets the
// default and empties the list. A rule that goes against the default adds
// an exception, or merges its access into the one with the same type and
// numbers; a rule that goes with the default takes its access away from
// the exception with exactly the same type and numbers, and from no
// other: "deny c 1:5" after "allow c *:* rwm" changes nothing. The
// kernel lists the exceptions in the order they were added, and hides
// them behind "a *:* rwm" when the default is allow.
type v1Devices struct {
	allowAll bool
	excs     []DeviceRule
}

func (c *v1Devices) apply(r DeviceRule) {
	if r.Type == 'a' {
		c.allowAll, c.excs = r.Allow, nil
		return
	}
	i := slices.IndexFunc(c.excs, func(e DeviceRule) bool {
		return e.Type == r.Type && e.Major == r.Major && e.Minor == r.Minor
	})
	if r.Allow == c.allowAll {
		if i >= 0 {
			if c.excs[i].Access &^= r.Access; c.excs[i].Access == 0 {
				c.excs = slices.Delete(c.excs, i, i+1)
			}
		}
		return
	}
	if i >= 0 {
		c.excs[i].Access |= r.Access
		return
	}
	r.Allow = !c.allowAll
	c.excs = append(c.excs, r)
}

// allows reports whether the cgroup lets access bit a to device
// kind major:minor.
func (c *v1Devices) allows(kind byte, major, minor int64, a DeviceAccess) bool {
	for _, e := range c.excs {
		if e.Access&a != 0 && e.names(kind, major, minor) {
			return !c.allowAll
		}
	}
	return c.allowAll
}

// list renders the cgroup's devices.list.
func (c *v1Devices) list() []string {
	if c.allowAll {
		return []string{"a *:* rwm"}
	}
	out := make([]string, 0, len(c.excs))
	for _, e := range c.excs {
		out = append(out, e.String())
	}
	return out
}

// parseDevicesList reads devices.list: "a *:* rwm" alone for a cgroup
// that allows by default (its deny exceptions are not shown), else its
// allowed devices, one "c 1:3 rwm" a line.
func parseDevicesList(s string) (*v1Devices, error) {
	c := &v1Devices{}
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := fmt.Errorf("bad line %q", strings.TrimSpace(line))
		if len(f) != 3 || len(f[0]) != 1 {
			return nil, bad
		}
		nums := strings.Split(f[1], ":")
		acc, ok := parseAccess(f[2])
		if len(nums) != 2 || !ok {
			return nil, bad
		}
		r := DeviceRule{Allow: true, Type: f[0][0], Access: acc}
		for i, s := range nums {
			n := int64(AnyNumber)
			if s != "*" {
				v, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return nil, bad
				}
				n = int64(v)
			}
			if i == 0 {
				r.Major = n
			} else {
				r.Minor = n
			}
		}
		switch r.Type {
		case 'a':
			c.allowAll = true
		case 'b', 'c':
			c.excs = append(c.excs, r)
		default:
			return nil, bad
		}
	}
	if c.allowAll {
		c.excs = nil
	}
	return c, nil
}

// v1Rules returns the rules to write to a v1 devices cgroup, in order,
// for the plan's effect: the all-devices reset, the spec's rules, then
// the given devices (which the plan places before the spec's rules)
// less the accesses a later deny of the spec takes from them. The spec's
// rules go first so that devices.list shows them first and in the
// spec's order, as the OCI validation suite expects.
func (p *devicePlan) v1Rules() []DeviceRule {
	var out []DeviceRule
	switch p.base {
	case DenyDevices:
		out = append(out, DeviceRule{Allow: false, Type: 'a', Major: AnyNumber, Minor: AnyNumber, Access: AccessAll})
	case AllowDevices:
		out = append(out, DeviceRule{Allow: true, Type: 'a', Major: AnyNumber, Minor: AnyNumber, Access: AccessAll})
	}
	out = append(out, p.spec...)
	for _, g := range p.given {
		for _, r := range p.spec {
			if !r.Allow && r.covers(g) {
				g.Access &^= r.Access
			}
		}
		if g.Access != 0 {
			out = append(out, g)
		}
	}
	return out
}

// planV1 works out what writing p to a cgroup whose devices.list reads
// cur leaves there, and refuses a plan whose effect v1 cannot have: the
// kernel cannot carve one device out of an earlier rule with a
// wildcard, and a container must not quietly get a device its spec
// denies.
func (p *devicePlan) planV1(cur *v1Devices) (rules []DeviceRule, after *v1Devices, err error) {
	rules = p.v1Rules()
	after = &v1Devices{allowAll: cur.allowAll, excs: slices.Clone(cur.excs)}
	for _, r := range rules {
		after.apply(r)
	}
	all := append(p.rules(), cur.excs...)
	for _, d := range DeviceProbes(all) {
		for bit := AccessMknod; bit <= AccessWrite; bit <<= 1 {
			want := p.allows(d.Type, d.Major, d.Minor, bit, cur.allows)
			if got := after.allows(d.Type, d.Major, d.Minor, bit); got != want {
				verb := map[bool][2]string{true: {"allowed", "allow"}, false: {"denied", "deny"}}
				return nil, nil, fmt.Errorf("%s: cgroup v1 cannot apply these rules: access %q to %c %d:%d would be %s where the rules %s it "+
					"(v1 cannot take one device out of an earlier rule with a wildcard)",
					devicesField, bit, d.Type, d.Major, d.Minor, verb[got][0], verb[want][1])
			}
		}
	}
	return rules, after, nil
}

// DeviceProbes returns one device of each class the rules tell apart:
// every kind, each major they name and one they do not, and likewise for
// minors. Two devices of one class match the same rules, so checking
// these checks every device (the v1 plan here, the v2 program's tests).
func DeviceProbes(rules []DeviceRule) []DeviceRule {
	var majors, minors []int64
	for _, r := range rules {
		if r.Major != AnyNumber {
			majors = append(majors, r.Major)
		}
		if r.Minor != AnyNumber {
			minors = append(minors, r.Minor)
		}
	}
	majors, minors = append(majors, unused(majors)), append(minors, unused(minors))
	var out []DeviceRule
	for _, kind := range []byte{'b', 'c'} {
		for _, ma := range majors {
			for _, mi := range minors {
				out = append(out, DeviceRule{Type: kind, Major: ma, Minor: mi})
			}
		}
	}
	return out
}

// unused returns the smallest number not in ns.
func unused(ns []int64) int64 {
	var n int64
	for slices.Contains(ns, n) {
		n++
	}
	return n
}

// prepareV1 reads what the v1 devices cgroup dir holds now and works
// out the writes of the plan, refusing one v1 cannot carry out; nothing
// is written yet.
func (p *devicePlan) prepareV1(f files, dir string) (*v1Writes, error) {
	s, err := f.read(dir, "devices.list")
	if err != nil {
		return nil, fmt.Errorf("%s: read %q: %w", devicesField, filepath.Join(dir, "devices.list"), bare(err))
	}
	cur, err := parseDevicesList(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q: %w", devicesField, filepath.Join(dir, "devices.list"), err)
	}
	rules, after, err := p.planV1(cur)
	if err != nil {
		return nil, err
	}
	return &v1Writes{rules: rules, after: after}, nil
}

// v1Writes are the rules to write to a v1 devices cgroup and what it
// holds afterwards.
type v1Writes struct {
	rules []DeviceRule
	after *v1Devices
}

// run writes the rules to dir and checks its devices.list shows what it
// should.
func (w *v1Writes) run(f files, dir string) error {
	for _, r := range w.rules {
		wr := write{field: devicesField, file: "devices.deny", value: r.String()}
		if r.Allow {
			wr.file = "devices.allow"
		}
		if err := wr.run(f, dir); err != nil {
			return err
		}
	}
	// The kernel answers some writes it does not carry out with success
	// (a deny that matches no exception exactly): what it holds is the
	// proof.
	s, err := f.read(dir, "devices.list")
	if err != nil {
		return fmt.Errorf("%s: read %q: %w", devicesField, filepath.Join(dir, "devices.list"), bare(err))
	}
	var got []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			got = append(got, line)
		}
	}
	want := w.after.list()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s: %q holds %q after the rules were written, want %q", devicesField,
			filepath.Join(dir, "devices.list"), strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}
