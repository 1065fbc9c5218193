package containerinit

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"

	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/seccomp"
	"github.com/ocikit/ocikit/internal/seccomp/libseccomp"
)

// prepareSeccomp compiles the spec's seccomp filter, when it has one. It
// runs before anything of the container is set up, so a profile the
// runtime cannot honour fails the create with nothing to undo; a container
// never runs unfiltered when its spec asks for a filter.
func prepareSeccomp(s *specs.Spec) (*seccomp.Program, error) {
	if s == nil || s.Linux == nil || s.Linux.Seccomp == nil {
		return nil, nil
	}
	return libseccomp.Prepare(s.Linux.Seccomp)
}

// setupProcess applies p as process.Setup does, with the seccomp filter
// loaded at the right point, and returns the filter when it is still to be
// loaded: the caller loads it right before execve.
//
// The later the filter is loaded, the fewer of the runtime's own system
// calls it has to allow. With no_new_privs, or when the process keeps
// CAP_SYS_ADMIN, any thread may load it, so it waits for the exec. Without
// either, loading needs CAP_SYS_ADMIN, which the change of credentials
// drops: the filter goes in just before that change, and the profile must
// then allow the calls that change credentials and working directory, as
// with runc.
//
// A notifying filter (SCMP_ACT_NOTIFY) is never left for later: it goes in
// here, where the early one would, or else last, and send hands its
// listener to the runtime at once (loadFilter), so that the runtime can
// pass it to linux.seccomp.listenerPath before the process is reported
// ready (create) or exec'd (exec).
func setupProcess(p *specs.Process, filter *seccomp.Program, send listenerSend) (*seccomp.Program, error) {
	if filter == nil {
		return nil, process.Setup(p)
	}
	// The steps of process.Setup, in its order, with every name checked
	// before anything changes.
	if _, err := process.ParseRlimits(p.Rlimits); err != nil {
		return nil, err
	}
	if _, err := process.ParseCapabilities(p.Capabilities, process.LastCap()); err != nil {
		return nil, err
	}
	if err := process.SetRlimits(p.Rlimits); err != nil {
		return nil, err
	}
	if err := process.SetOOMScoreAdj(p.OOMScoreAdj); err != nil {
		return nil, err
	}
	if err := process.SetScheduler(p.Scheduler); err != nil {
		return nil, err
	}
	if err := process.SetIOPriority(p.IOPriority); err != nil {
		return nil, err
	}
	process.SetUmask(p.User.Umask)
	if err := process.SetNoNewPrivileges(p.NoNewPrivileges); err != nil {
		return nil, err
	}
	if p.NoNewPrivileges || keepsSysAdmin(p.Capabilities) {
		if err := process.SetCredentials(p.User, p.Capabilities); err != nil {
			return nil, err
		}
		if err := process.SetCwd(p.Cwd); err != nil {
			return nil, err
		}
		if filter.Notify {
			return nil, loadFilter(filter, send)
		}
		return filter, nil
	}
	// The working directory is checked (getcwd, against CVE-2024-21626)
	// before the filter is in: a profile may deny getcwd, and the runtime's
	// check must not fail on the container's rules. After the change of
	// credentials the directory is entered again by path, so the user's
	// own access to it is what counts, as it would be without a filter.
	if err := process.SetCwd(p.Cwd); err != nil {
		return nil, err
	}
	if err := loadFilter(filter, send); err != nil {
		return nil, err
	}
	if err := process.SetCredentials(p.User, p.Capabilities); err != nil {
		return nil, err
	}
	cwd := p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if err := unix.Chdir(cwd); err != nil {
		return nil, cerr.Op("chdir", cwd, err)
	}
	return nil, nil
}

// keepsSysAdmin reports whether the process's effective set, once its
// credentials are applied, still holds CAP_SYS_ADMIN.
func keepsSysAdmin(c *specs.LinuxCapabilities) bool {
	if c == nil {
		return false
	}
	for _, name := range c.Effective {
		if name == "CAP_SYS_ADMIN" {
			return true
		}
	}
	return false
}
