package cgroups

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The device cgroup decides which device nodes the container's processes
// may open for reading or writing and create (mknod). Set compiles
// linux.resources.devices, the devices every container needs and the
// spec's linux.devices into one ordered rule list (a devicePlan), then
// writes it to the v1 devices controller (devices_v1_linux.go) or attaches
// it to the v2 cgroup as an eBPF program (devices_v2_linux.go).

// access is a set of device accesses. The bits are the kernel's
// BPF_DEVCG_ACC_* values, which the v2 program reads from its context.
type access uint8

const (
	accMknod access = 1 << iota // m
	accRead                     // r
	accWrite                    // w

	accAll = accMknod | accRead | accWrite
)

func parseAccess(s string) (access, bool) {
	if s == "" {
		return 0, false
	}
	var a access
	for _, c := range s {
		switch c {
		case 'r':
			a |= accRead
		case 'w':
			a |= accWrite
		case 'm':
			a |= accMknod
		default:
			return 0, false
		}
	}
	return a, true
}

// String spells a the way devices.list does: "rwm", "rw", "m"...
func (a access) String() string {
	var b strings.Builder
	for _, x := range []struct {
		bit access
		c   byte
	}{{accRead, 'r'}, {accWrite, 'w'}, {accMknod, 'm'}} {
		if a&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// anyNum is a wildcard major or minor number.
const anyNum = -1

// A devRule allows or denies some accesses to the devices it names.
type devRule struct {
	allow        bool
	kind         byte  // 'a' (every device), 'b' (block) or 'c' (character)
	major, minor int64 // anyNum matches every number
	acc          access
}

// String spells r as devices.allow and devices.list do: "c 1:3 rwm".
func (r devRule) String() string {
	if r.kind == 'a' {
		return "a"
	}
	return fmt.Sprintf("%c %s:%s %s", r.kind, num(r.major), num(r.minor), r.acc)
}

func num(n int64) string {
	if n == anyNum {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

// names reports whether r is about device kind major:minor (concrete numbers).
func (r devRule) names(kind byte, major, minor int64) bool {
	return r.kind == kind && (r.major == anyNum || r.major == major) && (r.minor == anyNum || r.minor == minor)
}

// covers reports whether every device o names is one r names too.
func (r devRule) covers(o devRule) bool {
	return r.kind == o.kind && (r.major == anyNum || r.major == o.major) && (r.minor == anyNum || r.minor == o.minor)
}

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
var containerDevices = []devRule{
	{allow: true, kind: 'c', major: 1, minor: 3, acc: accAll},        // /dev/null
	{allow: true, kind: 'c', major: 1, minor: 5, acc: accAll},        // /dev/zero
	{allow: true, kind: 'c', major: 1, minor: 7, acc: accAll},        // /dev/full
	{allow: true, kind: 'c', major: 1, minor: 8, acc: accAll},        // /dev/random
	{allow: true, kind: 'c', major: 1, minor: 9, acc: accAll},        // /dev/urandom
	{allow: true, kind: 'c', major: 5, minor: 0, acc: accAll},        // /dev/tty
	{allow: true, kind: 'c', major: 5, minor: 2, acc: accAll},        // /dev/ptmx, /dev/pts/ptmx
	{allow: true, kind: 'c', major: 136, minor: anyNum, acc: accAll}, // /dev/pts/N, /dev/console
	{allow: true, kind: 'c', major: 10, minor: 200, acc: accAll},     // /dev/net/tun, which runc keeps for compatibility
}

// base is where the rules of a plan start from.
type base int

const (
	inheritBase base = iota // the cgroup's rules as created (its parent's)
	denyBase                // nothing allowed
	allowBase               // everything allowed
)

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
	base  base
	given []devRule // allowed: containerDevices, then linux.devices
	spec  []devRule // the spec's rules after its last all-devices rule, in order
}

// rules returns the plan's rules in the order they take effect.
func (p *devicePlan) rules() []devRule {
	return append(slices.Clone(p.given), p.spec...)
}

// allows reports whether p lets accesses a to device kind major:minor:
// for each access, the last rule that names the device and the access
// decides, the base (or parent, for inheritBase) when none does.
func (p *devicePlan) allows(kind byte, major, minor int64, a access, parent func(byte, int64, int64, access) bool) bool {
	rules := p.rules()
	for bit := accMknod; bit <= accWrite; bit <<= 1 {
		if a&bit == 0 {
			continue
		}
		ok, decided := false, false
		for _, r := range slices.Backward(rules) {
			if r.acc&bit != 0 && r.names(kind, major, minor) {
				ok, decided = r.allow, true
				break
			}
		}
		if !decided {
			switch p.base {
			case denyBase:
				ok = false
			case allowBase:
				ok = true
			default:
				ok = parent(kind, major, minor, bit)
			}
		}
		if !ok {
			return false
		}
	}
	return true
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
		if r.kind == 'a' {
			last = i
		}
	}
	if last >= 0 {
		p.base = denyBase
		if spec[last].allow {
			p.base = allowBase
		}
	}
	p.spec = spec[last+1:]
	return p, nil
}

// specRules checks linux.resources.devices and turns it into rules.
func specRules(list []specs.LinuxDeviceCgroup) ([]devRule, error) {
	var out []devRule
	for i, d := range list {
		field := fmt.Sprintf("linux.resources.devices[%d]", i)
		r := devRule{allow: d.Allow, kind: 'a'}
		switch d.Type {
		case "", "a":
		case "b", "c":
			r.kind = d.Type[0]
		default:
			return nil, fmt.Errorf("%s: type %q: want \"a\", \"b\" or \"c\"", field, d.Type)
		}
		var err error
		if r.major, err = ruleNumber(field, "major", d.Major); err != nil {
			return nil, err
		}
		if r.minor, err = ruleNumber(field, "minor", d.Minor); err != nil {
			return nil, err
		}
		var ok bool
		if r.acc, ok = parseAccess(d.Access); !ok {
			return nil, fmt.Errorf("%s: access %q: want one or more of r, w and m", field, d.Access)
		}
		// The v1 kernel takes any rule of type "a" for "every device,
		// every access", whatever its numbers and access say; a rule that
		// means something else could not be applied as written.
		if r.kind == 'a' && (r.major != anyNum || r.minor != anyNum || r.acc != accAll) {
			return nil, fmt.Errorf("%s: a rule for every device (type \"a\") takes no major, no minor and access \"rwm\"", field)
		}
		out = append(out, r)
	}
	return out, nil
}

// ruleNumber reads a rule's major or minor: nil (or -1, the wildcard of
// runc's own rules, which some engines write) matches every number.
func ruleNumber(field, name string, p *int64) (int64, error) {
	if p == nil || *p == anyNum {
		return anyNum, nil
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
func createdRules(devs []specs.LinuxDevice) ([]devRule, error) {
	var out []devRule
	for i, d := range devs {
		r := devRule{allow: true, major: d.Major, minor: d.Minor, acc: accAll}
		switch d.Type {
		case "c", "u":
			r.kind = 'c'
		case "b":
			r.kind = 'b'
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
