package process

import (
	"errors"
	"fmt"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/caps"
)

// CapSets holds the five capability sets as bit masks, bit n standing for
// capability number n.
type CapSets struct {
	Bounding, Effective, Permitted, Inheritable, Ambient uint64
}

// ParseCapabilities resolves the spec's capability names into masks. A nil
// c means every set is empty. A name this package does not know is an
// error; a known capability numbered above last (the running kernel's
// highest, see LastCap) is left out silently, so a spec written for a newer
// kernel still runs on an older one.
func ParseCapabilities(c *specs.LinuxCapabilities, last int) (CapSets, error) {
	var s CapSets
	if c == nil {
		return s, nil
	}
	for _, set := range []struct {
		field string
		names []string
		mask  *uint64
	}{
		{"bounding", c.Bounding, &s.Bounding},
		{"effective", c.Effective, &s.Effective},
		{"permitted", c.Permitted, &s.Permitted},
		{"inheritable", c.Inheritable, &s.Inheritable},
		{"ambient", c.Ambient, &s.Ambient},
	} {
		for _, name := range set.names {
			n, err := caps.Parse(name)
			if err != nil {
				return CapSets{}, fmt.Errorf("process.capabilities.%s: %w", set.field, err)
			}
			if n > last || n > 63 {
				continue
			}
			*set.mask |= 1 << n
		}
	}
	return s, nil
}

// LastCap returns the highest capability number the running kernel knows.
// The kernel's number does not change while it runs, so it is found once
// per process: the init asks for it more than once.
func LastCap() int { return lastCap() }

var lastCap = sync.OnceValue(lastCapSearch)

// lastCapSearch asks the kernel itself, never a file: PR_CAPBSET_READ answers
// EINVAL for a number above the kernel's last capability and 0 or 1 for
// any other, so a binary search over 0..63 takes six calls.
//
// It must not read /proc/sys/kernel/cap_last_cap. The init first needs
// the number after pivot_root, where /proc is whatever the image and the
// spec made of it: a plain file from the image when no procfs is mounted
// there, or a host file bound over a path that resolves into /proc. A
// number too low there would leave every capability above it out of the
// drops, so a root process without no_new_privs would get the host's
// whole bounding set back at execve (audit E2). An error other than EINVAL
// (a filter of the caller's denying prctl) counts as "known", since too
// high a number only costs drops that fail loudly, never one skipped.
func lastCapSearch() int {
	known := func(n int) bool {
		_, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
		return !errors.Is(err, unix.EINVAL)
	}
	lo, hi := 0, 63 // capability 0 (CAP_CHOWN) exists on every kernel
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if known(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// DropBounding removes from the calling thread's bounding set every
// capability not in c.Bounding. It needs CAP_SETPCAP, so it must run
// before the thread changes to the container's user.
func DropBounding(c *specs.LinuxCapabilities) error {
	last := LastCap()
	s, err := ParseCapabilities(c, last)
	if err != nil {
		return err
	}
	return dropBounding(s.Bounding, last)
}

// dropBounding drops from the bounding set every capability up to last
// that keep does not hold: one PR_CAPBSET_DROP each, the set is not read
// first. With CAP_SETPCAP, dropping a capability already gone succeeds and
// changes nothing.
func dropBounding(keep uint64, last int) error {
	for n := 0; n <= last; n++ {
		if keep&(1<<n) != 0 {
			continue
		}
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0)
		switch {
		case err == nil:
		case errors.Is(err, unix.EINVAL):
			// Above the kernel's last capability (last was over-counted
			// because prctl failed otherwise): none above this one either.
			return nil
		case errors.Is(err, unix.EPERM) && !inBounding(n):
			// No CAP_SETPCAP, as in an exec into a container whose
			// bounding set is already reduced: the kernel refuses every
			// drop, but this capability is gone already, which is all
			// that was asked.
		default:
			return fmt.Errorf("process.capabilities.bounding: drop %s: %w", caps.Name(n), err)
		}
	}
	return nil
}

// inBounding reports whether capability n is in the calling thread's
// bounding set; a capability the kernel does not know is not.
func inBounding(n int) bool {
	in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
	return err == nil && in == 1
}

// SetCapabilities sets the calling thread's effective, permitted and
// inheritable sets to exactly c's, then its ambient set. Call it after
// SetUser (with PR_SET_KEEPCAPS set across the user change, as
// SetCredentials does) and after DropBounding.
func SetCapabilities(c *specs.LinuxCapabilities) error {
	s, err := ParseCapabilities(c, LastCap())
	if err != nil {
		return err
	}
	return applyCapabilities(s)
}

func applyCapabilities(s CapSets) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3} // Pid 0: this thread
	// One capset sets all three. The kernel checks the new sets against
	// the old permitted set, which PR_SET_KEEPCAPS kept whole across the
	// change of user: so the spec may ask for inheritable capabilities it
	// does not permit, as long as the bounding set holds them.
	data := [2]unix.CapUserData{
		{Effective: uint32(s.Effective), Permitted: uint32(s.Permitted), Inheritable: uint32(s.Inheritable)},
		{Effective: uint32(s.Effective >> 32), Permitted: uint32(s.Permitted >> 32), Inheritable: uint32(s.Inheritable >> 32)},
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("process.capabilities: set effective %#x, permitted %#x, inheritable %#x: %w",
			s.Effective, s.Permitted, s.Inheritable, err)
	}
	return setAmbient(s.Ambient, s.Permitted&s.Inheritable)
}

// setAmbient makes the ambient set want, less what the kernel would refuse
// to raise: a capability outside allowed, the permitted and inheritable
// sets capset has just set. (`runc spec` lists ambient capabilities
// without inheritable ones, and runc and crun skip what cannot be raised
// rather than refuse the container; so does ocikit, or the default spec
// would fail.)
//
// When allowed is empty there is nothing to do: capset itself removes
// from the ambient set every capability that is not both permitted and
// inheritable, so the set is empty already.
func setAmbient(want, allowed uint64) error {
	if allowed == 0 {
		return nil
	}
	want &= allowed
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		// Kernels before 4.3 have no ambient set: nothing to clear,
		// and an empty set asked for is what there is.
		if errors.Is(err, unix.EINVAL) && want == 0 {
			return nil
		}
		return fmt.Errorf("process.capabilities.ambient: clear: %w", err)
	}
	for n := 0; n < 64; n++ {
		if want&(1<<n) == 0 {
			continue
		}
		err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0)
		if err == unix.EPERM {
			// Permitted and inheritable, but the securebits forbid
			// raising (SECBIT_NO_CAP_AMBIENT_RAISE): skipped as well.
			continue
		}
		if err != nil {
			return fmt.Errorf("process.capabilities.ambient: raise %s: %w", caps.Name(n), err)
		}
	}
	return nil
}
