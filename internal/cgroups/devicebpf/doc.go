// Package devicebpf enforces a container's device rules on cgroup v2,
// where there is no devices controller: it compiles the
// cgroups.DevicePolicy into a BPF_PROG_TYPE_CGROUP_DEVICE program, loads
// it and attaches it to the container's cgroup with BPF_F_ALLOW_MULTI,
// replacing the programs an earlier call attached there. The attachment
// lives as long as the cgroup; removing the cgroup detaches it, so
// deleting a container needs nothing from this package.
//
// It is a package of its own because of its cost: the eBPF library
// (github.com/cilium/ebpf, with its BTF, ELF and feature-probing parts)
// adds about 1.1 MB to a binary, and on the hosts this toolkit measures a
// Go binary's size is roughly its resident memory and part of its start
// (docs/performance.md). Package cgroups, which every lifecycle tool
// imports, does not import this one. Instead this package registers
// itself with cgroups.RegisterDeviceProgrammer when it is initialized, so
// only the binaries that import it, those that create containers, link
// the library:
//
//	import _ "github.com/ocikit/ocikit/internal/cgroups/devicebpf"
//
// A binary without it refuses device rules bound for a v2 cgroup
// (cgroups.Manager.Set fails) rather than leave the container every
// device.
package devicebpf
