package cgroups

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The types of this file are exported for package devicebpf, which turns
// a DevicePolicy into the cgroup v2 device program; see
// devices_v2_linux.go for why that lives apart.

// DeviceAccess is a set of device accesses. The bits are the kernel's
// BPF_DEVCG_ACC_* values, which a cgroup v2 device program reads from its
// context.
type DeviceAccess uint8

const (
	AccessMknod DeviceAccess = 1 << iota // m
	AccessRead                           // r
	AccessWrite                          // w

	AccessAll = AccessMknod | AccessRead | AccessWrite
)

func parseAccess(s string) (DeviceAccess, bool) {
	if s == "" {
		return 0, false
	}
	var a DeviceAccess
	for _, c := range s {
		switch c {
		case 'r':
			a |= AccessRead
		case 'w':
			a |= AccessWrite
		case 'm':
			a |= AccessMknod
		default:
			return 0, false
		}
	}
	return a, true
}

// String spells a the way devices.list does: "rwm", "rw", "m"...
func (a DeviceAccess) String() string {
	var b strings.Builder
	for _, x := range []struct {
		bit DeviceAccess
		c   byte
	}{{AccessRead, 'r'}, {AccessWrite, 'w'}, {AccessMknod, 'm'}} {
		if a&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// AnyNumber is a wildcard major or minor number.
const AnyNumber = -1

// A DeviceRule allows or denies some accesses to the devices it names.
type DeviceRule struct {
	Allow        bool
	Type         byte  // 'a' (every device), 'b' (block) or 'c' (character)
	Major, Minor int64 // AnyNumber matches every number
	Access       DeviceAccess
}

// String spells r as devices.allow and devices.list do: "c 1:3 rwm".
func (r DeviceRule) String() string {
	if r.Type == 'a' {
		return "a"
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)
}

func num(n int64) string {
	if n == AnyNumber {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

// names reports whether r is about device kind major:minor (concrete numbers).
func (r DeviceRule) names(kind byte, major, minor int64) bool {
	return r.Type == kind && (r.Major == AnyNumber || r.Major == major) && (r.Minor == AnyNumber || r.Minor == minor)
}

// covers reports whether every device o names is one r names too.
func (r DeviceRule) covers(o DeviceRule) bool {
	return r.Type == o.Type && (r.Major == AnyNumber || r.Major == o.Major) && (r.Minor == AnyNumber || r.Minor == o.Minor)
}

// DeviceDefault is what decides an access that no rule of a policy names.
type DeviceDefault int

const (
	InheritDevices DeviceDefault = iota // the cgroup's rules as created: its parents'
	DenyDevices                         // nothing allowed
	AllowDevices                        // everything allowed
)

// A DevicePolicy is a container's device rules as a cgroup v2 device
// program must enforce them: for each access, the last rule that names
// the device and the access decides, and the Default when none does.
type DevicePolicy struct {
	Default DeviceDefault
	Rules   []DeviceRule // in the order they take effect; none of Type 'a'
}

// Allows reports whether the container's own cgroup lets accesses acc to
// device typ ('b' or 'c') major:minor. What the policy leaves to
// InheritDevices it allows: the kernel runs the programs of the parent
// cgroups as well, and any of them may still deny.
func (p *DevicePolicy) Allows(typ byte, major, minor int64, acc DeviceAccess) bool {
	return p.allows(typ, major, minor, acc, func(byte, int64, int64, DeviceAccess) bool { return true })
}

// allows is Allows with parent answering for the accesses left to the
// parent cgroup.
func (p *DevicePolicy) allows(kind byte, major, minor int64, a DeviceAccess, parent func(byte, int64, int64, DeviceAccess) bool) bool {
	for bit := AccessMknod; bit <= AccessWrite; bit <<= 1 {
		if a&bit == 0 {
			continue
		}
		ok, decided := false, false
		for _, r := range slices.Backward(p.Rules) {
			if r.Access&bit != 0 && r.names(kind, major, minor) {
				ok, decided = r.Allow, true
				break
			}
		}
		if !decided {
			switch p.Default {
			case DenyDevices:
				ok = false
			case AllowDevices:
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

// CanDeny reports whether the policy itself denies anything: a policy
// that only allows, over a default that allows or defers to the parents,
// needs no program in the container's cgroup.
func (p *DevicePolicy) CanDeny() bool {
	return p.Default == DenyDevices || slices.ContainsFunc(p.Rules, func(r DeviceRule) bool { return !r.Allow })
}
