package cgroups

import (
	"fmt"
	"math"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The device cgroup decides which device nodes the container's processes
// may open for reading or writing and create (mknod). Set compiles
// linux.resources.devices, the devices every container needs and the
// spec's linux.devices into one ordered rule list (a devicePlan), then
// writes it to the v1 devices controller (devices_v1_linux.go) or hands
// it, as a DevicePolicy, to the eBPF program package devicebpf attaches to
// the v2 cgroup (devices_v2_linux.go).

// containerDevices are allowed to every container whose device rules are
// applied, after whatever "deny all" the spec starts with, as runc does
// (libcontainer/specconv's AllowedDevices): the devices the runtime
// creates in the container's /dev, and its terminals. Every one is
// "rwm", so the runtime may mknod the nodes it creates.
//
// Two entries of runc's list are left out on purpose. "c *:* m" and
// "b *:* m" let a process with CAP_MKNOD create a node for any device:
// the container cannot open it, but such a rule also makes a later deny
// of one device impossible to express on cgroup v1, and engines that want
// it (Docker, containerd, Podman) put it in the spec themselves. And
// /dev/console (c 5:1), which runc dropped too: in a container it is a
// pseudo-terminal bound over the node, so c 136:* covers it, while the
// host's console must stay out of reach.
var containerDevices = []DeviceRule{
	{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: AccessAll},           // /dev/null
	{Allow: true, Type: 'c', Major: 1, Minor: 5, Access: AccessAll},           // /dev/zero
	{Allow: true, Type: 'c', Major: 1, Minor: 7, Access: AccessAll},           // /dev/full
	{Allow: true, Type: 'c', Major: 1, Minor: 8, Access: AccessAll},           // /dev/random
	{Allow: true, Type: 'c', Major: 1, Minor: 9, Access: AccessAll},           // /dev/urandom
	{Allow: true, Type: 'c', Major: 5, Minor: 0, Access: AccessAll},           // /dev/tty
	{Allow: true, Type: 'c', Major: 5, Minor: 2, Access: AccessAll},           // /dev/ptmx, /dev/pts/ptmx
	{Allow: true, Type: 'c', Major: 136, Minor: AnyNumber, Access: AccessAll}, // /dev/pts/N, /dev/console
	{Allow: true, Type: 'c', Major: 10, Minor: 200, Access: AccessAll},        // /dev/net/tun, which runc keeps for compatibility
}

// A devicePlan is the device rules a container gets. The kernel semantics
// of the spec's list are kept: a rule for all devices ("a", as in the
// default spec's leading {"allow": false, "access": "rwm"}) starts over,
// and a later rule wins over an earlier one, access by access. The
// devices every container needs and those of linux.devices are placed
// right after the spec's last all-devices rule: a "deny all" never
// removes them, but a rule of the spec that names one of them (a deny of
// c 1:5, say) does. runc appends them after all of the spec's rules,
// which makes /dev/zero impossible to take away; the spec's explicit word
// wins here.
type devicePlan struct {
	base  DeviceDefault
	given []DeviceRule // allowed: containerDevices, then linux.devices
	spec  []DeviceRule // the spec's rules after its last all-devices rule, in order
}

// rules returns the plan's rules in the order they take effect.
func (p *devicePlan) rules() []DeviceRule {
	return append(slices.Clone(p.given), p.spec...)
}

// policy returns the plan as a cgroup v2 device program enforces it:
// the base and the rules in the order they take effect.
func (p *devicePlan) policy() *DevicePolicy {
	return &DevicePolicy{Default: p.base, Rules: p.rules()}
}

// allows reports whether p lets accesses a to device kind major:minor,
// parent answering for each access that p leaves to the parent cgroup.
func (p *devicePlan) allows(kind byte, major, minor int64, a DeviceAccess, parent func(byte, int64, int64, DeviceAccess) bool) bool {
	return p.policy().allows(kind, major, minor, a, parent)
}

// planDevices checks a spec's device rules and the devices it creates and
// returns the plan to apply, or nil when there is nothing to apply: no
// rule and no device, where the cgroup keeps the rules it was created
// with (its parent's).
func planDevices(list []specs.LinuxDeviceCgroup, created []specs.LinuxDevice) (*devicePlan, error) {
	spec, err := specRules(list)
	if err != nil {
		return nil, err
	}
	made, err := createdRules(created)
	if err != nil {
		return nil, err
	}
	if len(spec) == 0 && len(made) == 0 {
		return nil, nil
	}
	p := &devicePlan{given: append(slices.Clone(containerDevices), made...)}
	// An all-devices rule resets the cgroup: what comes before the last
	// one has no effect.
	last := -1
	for i, r := range spec {
		if r.Type == 'a' {
			last = i
		}
	}
	if last >= 0 {
		p.base = DenyDevices
		if spec[last].Allow {
			p.base = AllowDevices
		}
	}
	p.spec = spec[last+1:]
	return p, nil
}

// specRules checks linux.resources.devices and turns it into rules.
func specRules(list []specs.LinuxDeviceCgroup) ([]DeviceRule, error) {
	var out []DeviceRule
	for i, d := range list {
		field := fmt.Sprintf("linux.resources.devices[%d]", i)
		r := DeviceRule{Allow: d.Allow, Type: 'a'}
		switch d.Type {
		case "", "a":
		case "b", "c":
			r.Type = d.Type[0]
		default:
			return nil, fmt.Errorf("%s: type %q: want \"a\", \"b\" or \"c\"", field, d.Type)
		}
		var err error
		if r.Major, err = ruleNumber(field, "major", d.Major); err != nil {
			return nil, err
		}
		if r.Minor, err = ruleNumber(field, "minor", d.Minor); err != nil {
			return nil, err
		}
		var ok bool
		if r.Access, ok = parseAccess(d.Access); !ok {
			return nil, fmt.Errorf("%s: access %q: want one or more of r, w and m", field, d.Access)
		}
		// The v1 kernel takes any rule of type "a" for "every device,
		// every access", whatever its numbers and access say; a rule that
		// means something else could not be applied as written.
		if r.Type == 'a' && (r.Major != AnyNumber || r.Minor != AnyNumber || r.Access != AccessAll) {
			return nil, fmt.Errorf("%s: a rule for every device (type \"a\") takes no major, no minor and access \"rwm\"", field)
		}
		out = append(out, r)
	}
	return out, nil
}

// ruleNumber reads a rule's major or Minor: nil (or -1, the wildcard of
// runc's own rules, which some engines write) matches every number.
func ruleNumber(field, name string, p *int64) (int64, error) {
	if p == nil || *p == AnyNumber {
		return AnyNumber, nil
	}
	if *p < 0 || *p > math.MaxUint32 {
		return 0, fmt.Errorf("%s: %s %d: want a number from 0 to %d, or none for every %s", field, name, *p, uint32(math.MaxUint32), name)
	}
	return *p, nil
}

// createdRules allows the block and character devices of linux.devices,
// which the container's /dev gets: the runtime creates them there, so
// they need "m", and the container uses them. FIFOs are no device
// cgroup's business.
func createdRules(devs []specs.LinuxDevice) ([]DeviceRule, error) {
	var out []DeviceRule
	for i, d := range devs {
		r := DeviceRule{Allow: true, Major: d.Major, Minor: d.Minor, Access: AccessAll}
		switch d.Type {
		case "c", "u":
			r.Type = 'c'
		case "b":
			r.Type = 'b'
		case "p":
			continue
		default:
			return nil, fmt.Errorf("linux.devices[%d] %q: type %q: want \"c\", \"u\", \"b\" or \"p\"", i, d.Path, d.Type)
		}
		for _, n := range []int64{d.Major, d.Minor} {
			if n < 0 || n > math.MaxUint32 {
				return nil, fmt.Errorf("linux.devices[%d] %q: device number %d:%d is out of range", i, d.Path, d.Major, d.Minor)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
