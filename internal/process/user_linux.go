package process

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The credential calls below are raw system calls on purpose. Linux keeps
// credentials per thread; glibc and Go's syscall.Setuid broadcast the change
// to every thread (and Go refuses that in a cgo binary). Here only the
// locked thread that will call execve must change, and execve keeps exactly
// that thread's credentials.

// SetUser sets the calling thread's supplementary groups, gid and uid (real,
// effective and saved) to u's. The groups and gid go first, while the
// thread still has CAP_SETGID.
func SetUser(u specs.User) error {
	if err := setGroups(u.AdditionalGids); err != nil {
		return fmt.Errorf("process.user.additionalGids %v: %w", u.AdditionalGids, err)
	}
	if _, _, e := unix.RawSyscall(sysSetresgid, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("process.user.gid %d: setresgid: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(sysSetresuid, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("process.user.uid %d: setresuid: %w", u.UID, e)
	}
	return nil
}

// setGroups replaces the supplementary groups with gids; an empty list
// clears them, so no group of the runtime's leaks into the container.
func setGroups(gids []uint32) error {
	var p unsafe.Pointer
	if len(gids) > 0 {
		p = unsafe.Pointer(&gids[0])
	}
	_, _, e := unix.RawSyscall(sysSetgroups, uintptr(len(gids)), uintptr(p), 0)
	if e == 0 {
		return nil
	}
	// In a user namespace whose setgroups file says "deny" (one an
	// unprivileged user made), the kernel refuses setgroups outright with
	// EPERM; the file is read only then, to tell that case from a missing
	// CAP_SETGID. An empty list is the best that can be done there, but a
	// list the spec asks for cannot be honoured, and running without it
	// could grant access the spec meant to withhold (or the reverse), so
	// that is an error. The file is read through a verified procfs: after
	// pivot_root an image's /proc/self/setgroups saying "deny" would
	// otherwise let the runtime's own groups pass into the container.
	if e == unix.EPERM {
		if denied, err := setgroupsDenied(); err == nil && denied {
			if len(gids) == 0 {
				return nil
			}
			return errors.New("setgroups is denied in this user namespace (/proc/self/setgroups is \"deny\")")
		}
	}
	return fmt.Errorf("setgroups: %w", e)
}

// SetCredentials changes the calling thread to the spec's user with the
// spec's capabilities: it drops the bounding set, changes user while
// PR_SET_KEEPCAPS keeps the permitted set (a change away from uid 0 would
// otherwise empty it), then sets the five sets to exactly what c lists.
func SetCredentials(u specs.User, c *specs.LinuxCapabilities) error {
	last := LastCap()
	s, err := ParseCapabilities(c, last)
	if err != nil {
		return err
	}
	return setCredentials(u, s, last)
}

func setCredentials(u specs.User, s CapSets, last int) error {
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("process.capabilities: set keepcaps: %w", err)
	}
	if err := dropBounding(s.Bounding, last); err != nil {
		return err
	}
	if err := SetUser(u); err != nil {
		return err
	}
	// execve would reset keepcaps too; clearing it here means the thread
	// already is, from now on, in the state the program starts in.
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("process.capabilities: clear keepcaps: %w", err)
	}
	return applyCapabilities(s)
}

// setgroupsDenied reports whether the user namespace's setgroups file says
// "deny".
func setgroupsDenied() (bool, error) {
	proc, err := OpenProcFS()
	if err != nil {
		return false, err
	}
	defer proc.Close()
	b, err := proc.ReadSelf("setgroups")
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(b) == "deny", nil
}
