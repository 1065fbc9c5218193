package features

import (
	"github.com/ocikit/ocikit/internal/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// checkResources reports the linux.resources fields package cgroups does
// not apply. It applies memory (but kernel and kernelTCP), pids, cpu,
// cpuset and the device rules, and refuses anything else that holds a
// value rather than run a container without a limit it asked for
// (cgroups.UnsupportedResources, the list Set refuses): those are errors. The kernel memory limits are deprecated
// and gone from the kernel; Set drops them, so they are warnings.
//
// A zero value counts as unset, as it does for Set: engines write
// "blockIO": {} or "shares": 0 to mean "no limit".
func checkResources(r *report, res *specs.LinuxResources, cg *features.Cgroup) {
	if res == nil {
		return
	}
	for _, field := range cgroups.UnsupportedResources(res) {
		if field == "rdma" && (cg == nil || !enabled(cg.Rdma)) {
			r.refused("linux.resources.rdma", "the rdma controller is not supported: oci-create refuses the spec")
			continue
		}
		r.refused("linux.resources."+field, "not supported by this runtime: oci-create refuses the spec")
	}
	var mem specs.LinuxMemory
	if res.Memory != nil {
		mem = *res.Memory
	}
	for _, u := range []struct {
		field string
		v     any
	}{
		{"memory.kernel", mem.Kernel},       //nolint:staticcheck // deprecated, still a field to judge
		{"memory.kernelTCP", mem.KernelTCP}, //nolint:staticcheck // deprecated, still a field to judge
	} {
		if isSet(u.v) {
			r.ignored("linux.resources."+u.field, "ignored: deprecated, and no kernel since 5.4 has the limit")
		}
	}
}

// isSet reports whether v holds something: a non-nil pointer to a value
// that is set, a non-empty slice or map, a non-zero number or string,
// true, or a struct with a field that is set (cgroups.IsSet, Set's rule).
func isSet(v any) bool { return cgroups.IsSet(v) }
