package process

import (
	"errors"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Setup applies p to the calling thread, which must be locked to its OS
// thread (runtime.LockOSThread) and must be the one that later calls Exec:
// credentials and capabilities set here exist on this thread only.
//
// The order is rlimits, oomScoreAdj, scheduler, ioPriority, umask,
// noNewPrivileges, then user and capabilities, then cwd: the first ones may
// need privileges that the user change drops (CAP_SYS_RESOURCE,
// CAP_SYS_NICE, CAP_SYS_ADMIN), and the cwd is entered with the user's own
// permissions.
// Every capability and rlimit name is checked before anything is changed.
func Setup(p *specs.Process) error {
	if p == nil {
		return errors.New("process: no process in the spec")
	}
	rl, err := ParseRlimits(p.Rlimits)
	if err != nil {
		return err
	}
	last := LastCap()
	cs, err := ParseCapabilities(p.Capabilities, last)
	if err != nil {
		return err
	}
	if err := applyRlimits(rl); err != nil {
		return err
	}
	if err := SetOOMScoreAdj(p.OOMScoreAdj); err != nil {
		return err
	}
	if err := SetScheduler(p.Scheduler); err != nil {
		return err
	}
	if err := SetIOPriority(p.IOPriority); err != nil {
		return err
	}
	SetUmask(p.User.Umask)
	if err := SetNoNewPrivileges(p.NoNewPrivileges); err != nil {
		return err
	}
	if err := setCredentials(p.User, cs, last); err != nil {
		return err
	}
	return SetCwd(p.Cwd)
}

// SetOOMScoreAdj writes adj, when set, to the process's oom_score_adj.
// Lowering it below the value the process started with needs
// CAP_SYS_RESOURCE; the kernel then answers EACCES.
//
// The file is reached through a verified procfs (OpenProcFS), never the
// path /proc/self/oom_score_adj: in the init that path is the container's,
// and a spec mount resolving onto it could bind a host file there, which
// the runtime, still root on the host, would then write.
func SetOOMScoreAdj(adj *int) error {
	if adj == nil {
		return nil
	}
	v := strconv.Itoa(*adj)
	proc, err := OpenProcFS()
	if err != nil {
		return fmt.Errorf("process.oomScoreAdj %s: %w", v, err)
	}
	defer proc.Close()
	if err := proc.WriteSelf("oom_score_adj", v); err != nil {
		return fmt.Errorf("process.oomScoreAdj %s: %w", v, err)
	}
	return nil
}

// SetUmask sets the process's umask to *mask when it is set, and leaves
// the inherited one otherwise.
func SetUmask(mask *uint32) {
	if mask != nil {
		unix.Umask(int(*mask & 0o777))
	}
}

// SetNoNewPrivileges sets PR_SET_NO_NEW_PRIVS when on is true, so that
// neither setuid bits nor file capabilities can raise the privileges of the
// program or its children. Like credentials it belongs to the calling
// thread and survives execve. It cannot be unset, hence nothing to do for
// false.
func SetNoNewPrivileges(on bool) error {
	if !on {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("process.noNewPrivileges: %w", err)
	}
	return nil
}
