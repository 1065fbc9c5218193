package container

import specs "github.com/opencontainers/runtime-spec/specs-go"

// splitPids takes the pids limit out of res (late holds it alone), to be set once the init is
// ready rather than with the other limits, before its config.
//
// Why: until it has set the container up, the init is a Go program, and
// the Go runtime starts threads as it needs them (four or five by then),
// each counted by the pids controller; a pids.max below that, set while
// the runtime starts, made its thread creation fail and the init abort
// (runtime/cgo: pthread_create failed) for any limit under five. Once the
// init is ready it has its threads, and it then only execs the waiter
// (one thread) or waits; moving in or going over with threads that exist
// is not refused, only new ones are. runc sets all its limits at that
// point; here the others still hold before anything of the container is
// made. What runs before the limit holds is the runtime's own setup and
// the createRuntime and createContainer hooks, never the container's
// program.
func splitPids(res *specs.LinuxResources) (early, late *specs.LinuxResources) {
	if res == nil || res.Pids == nil {
		return res, nil
	}
	r := *res
	r.Pids = nil
	return &r, &specs.LinuxResources{Pids: res.Pids}
}
