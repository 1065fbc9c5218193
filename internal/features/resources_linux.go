package features

import (
	"github.com/ocikit/ocikit/internal/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// checkResources reports the linux.resources fields this host cannot
// apply. Package cgroups applies every field of the spec; what the
// document can tell before create is whether the kernel has the rdma
// controller (features.Cgroup.Rdma): without it Set refuses
// linux.resources.rdma, so that is an error. Values a cgroup version or a
// kernel's schedulers cannot take (blockIO.leafWeight on v2 or without
// CFQ) are Set's to find at create, from the container's cgroup. The
// kernel memory limits are deprecated: memory.kernel is dropped, and
// memory.kernelTCP is applied only on v1 where the kernel still has it,
// so both are warnings.
//
// A zero value counts as unset, as it does for Set: engines write
// "blockIO": {} or "shares": 0 to mean "no limit".
func checkResources(r *report, res *specs.LinuxResources, cg *features.Cgroup) {
	if res == nil {
		return
	}
	if isSet(res.Rdma) && (cg == nil || !enabled(cg.Rdma)) {
		r.refused("linux.resources.rdma", "this kernel has no rdma cgroup controller: oci-create refuses the spec")
	}
	if res.Memory == nil {
		return
	}
	if isSet(res.Memory.Kernel) { //nolint:staticcheck // deprecated, still a field to judge
		r.ignored("linux.resources.memory.kernel", "ignored: deprecated, and no kernel since 5.4 has the limit")
	}
	if isSet(res.Memory.KernelTCP) { //nolint:staticcheck // deprecated, still a field to judge
		r.ignored("linux.resources.memory.kernelTCP",
			"deprecated: applied only on cgroup v1 where the kernel has memory.kmem.tcp.limit_in_bytes, ignored elsewhere")
	}
}

// isSet reports whether v holds something: a non-nil pointer to a value
// that is set, a non-empty slice or map, a non-zero number or string,
// true, or a struct with a field that is set (cgroups.IsSet, Set's rule).
func isSet(v any) bool { return cgroups.IsSet(v) }
