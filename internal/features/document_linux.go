package features

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/caps"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/rootfs"
	"github.com/ocikit/ocikit/internal/seccomp"
)

// OCIVersionMin is the oldest runtime-spec version whose configs this
// runtime reads (package spec accepts every 1.x from 1.0.0).
const OCIVersionMin = "1.0.0"

// VersionAnnotation is the annotation of the document that carries the
// runtime's own version.
const VersionAnnotation = "io.github.ocikit.version"

// namespaceFiles maps each namespace type of the spec to its file under
// /proc/self/ns, which exists when the running kernel has that kind.
var namespaceFiles = []struct {
	typ  specs.LinuxNamespaceType
	file string
}{
	{specs.CgroupNamespace, "cgroup"},
	{specs.IPCNamespace, "ipc"},
	{specs.MountNamespace, "mnt"},
	{specs.NetworkNamespace, "net"},
	{specs.PIDNamespace, "pid"},
	{specs.TimeNamespace, "time"},
	{specs.UserNamespace, "user"},
	{specs.UTSNamespace, "uts"},
}

// Document returns the features of this runtime on this machine; version
// is the runtime's version, put in the annotations.
func Document(version string) *features.Features {
	yes, no := true, false
	return &features.Features{
		OCIVersionMin: OCIVersionMin,
		OCIVersionMax: specs.Version,
		Hooks:         hookNames(),
		MountOptions:  rootfs.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   namespaces("/proc/self/ns"),
			Capabilities: capabilities(process.LastCap()),
			// Package cgroups manages v1 hierarchies and the unified one,
			// each controller in whichever carries it (hybrid hosts
			// included). It refuses systemd cgroup paths
			// (slice:prefix:name), so they are not claimed; it applies
			// linux.resources.rdma where the kernel has the rdma
			// controller, which many kernels are built without.
			Cgroup: &features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: ptrTo(hasRdma())},
			// The names come from the plain-Go half of package seccomp,
			// which compiles the filter; the libseccomp half is linked
			// only by the tools that carry the init, so the document does
			// not report libseccomp's version. SCMP_ACT_NOTIFY is among
			// the actions: the listener goes to linux.seccomp.listenerPath
			// (package container, notify_linux.go). The architectures are
			// those a filter built here can hold; SupportedFlags has
			// WAIT_KILLABLE_RECV where the kernel takes it (5.19+).
			Seccomp: &features.Seccomp{
				Enabled:        &yes,
				Actions:        seccomp.Actions(),
				Operators:      seccomp.Operators(),
				Archs:          seccompArchs(),
				KnownFlags:     seccomp.KnownFlags(),
				SupportedFlags: seccomp.SupportedFlags(),
			},
			// The enabled flags say what this runtime has code for, as
			// features.md defines them; what this host lacks is in the
			// host annotations (ProbeHost). The exec labels
			// (process.apparmorProfile, selinuxLabel) are written by
			// process.SetExecLabel, linux.mountLabel goes into the
			// mounts' data (rootfs), the memory policy is set by
			// process.SetMemoryPolicy, linux.intelRdt by package
			// resctrl (schemata lines, a monitoring group), and
			// linux.netDevices by package netdev. Id-mapped bind mounts
			// (idmap, ridmap, a mount's uidMappings) are made by
			// internal/container/idmap_linux.go.
			Apparmor:        &features.Apparmor{Enabled: &yes},
			Selinux:         &features.Selinux{Enabled: &yes},
			MemoryPolicy:    &features.MemoryPolicy{Modes: memoryPolicyModes(), Flags: memoryPolicyFlags()},
			IntelRdt:        &features.IntelRdt{Enabled: &yes, Schemata: &yes, Monitoring: &yes},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &yes}},
			NetDevices:      &features.NetDevices{Enabled: &yes},
		},
		PotentiallyUnsafeConfigAnnotations: unsafeAnnotations(),
		Annotations:                        annotations(version, ProbeHost("/")),
	}
}

// unsafeAnnotations lists the config annotations this runtime acts on
// (a name ending in "." is a prefix, as features.md has it), for an
// engine that passes its users' annotations through to decide which to
// filter: org.ocikit.userns makes oci-create allocate host IDs from a
// pool and id-map the root filesystem. Every annotation the runtime
// reads is in the org.ocikit. namespace; TestUnsafeAnnotationsCovered
// fails when a runtime path reads one that is not listed here.
func unsafeAnnotations() []string { return []string{"org.ocikit."} }

// annotations are the runtime's version and the host's facts.
func annotations(version string, h *Host) map[string]string {
	a := h.Annotations()
	a[VersionAnnotation] = version
	return a
}

// Write prints the features document, indented, as runc features does.
func Write(w io.Writer, version string) error {
	b, err := json.MarshalIndent(Document(version), "", "    ")
	if err != nil {
		return fmt.Errorf("encode features: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// hookNames lists the hook kinds this runtime runs, as config.json names
// them.
func hookNames() []string {
	var names []string
	for _, k := range hooks.Kinds() {
		names = append(names, string(k))
	}
	return names
}

// namespaces lists the namespace types the runtime can create (those the
// bootstrap has a clone flag for) that the running kernel has: a kernel
// without, say, time namespaces has no nsDir/time. When nsDir cannot be
// read at all (no /proc), the list is the runtime's alone.
func namespaces(nsDir string) []string {
	_, dirErr := os.Stat(nsDir)
	var out []string
	for _, ns := range namespaceFiles {
		if _, err := initproto.CloneFlag(string(ns.typ)); err != nil {
			continue
		}
		if dirErr == nil {
			if _, err := os.Lstat(nsDir + "/" + ns.file); errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		out = append(out, string(ns.typ))
	}
	return out
}

// capabilities lists the capability names package caps knows, up to
// number last, the running kernel's highest: the init leaves out any
// capability above it (a spec written for a newer kernel still runs), so
// listing one would promise what the container cannot get.
func capabilities(last int) []string {
	names := caps.Names()
	if last >= 0 && last < len(names)-1 {
		names = names[:last+1]
	}
	return names
}

// auditArchLE is linux/audit.h's __AUDIT_ARCH_LE, the bit of an
// AUDIT_ARCH_* value that marks a little-endian architecture.
const auditArchLE = 0x40000000

// seccompArchs lists the architectures package seccomp knows that a filter
// built on this machine can cover. The filter always holds the native
// architecture first, and libseccomp refuses (EDOM) to add one of the
// other byte order to it: on x86_64, SCMP_ARCH_S390X or SCMP_ARCH_MIPS
// make oci-create fail, so they are not advertised.
func seccompArchs() []string {
	native, ok := seccomp.NativeArch()
	if !ok {
		return nil
	}
	var out []string
	for _, name := range seccomp.Archs() {
		if a, ok := seccomp.LookupArch(name); ok && a.Audit&auditArchLE == native.Audit&auditArchLE {
			out = append(out, name)
		}
	}
	return out
}

// hasRdma reports whether the kernel has the rdma cgroup controller; a
// /proc/cgroups that cannot be read claims nothing.
func hasRdma() bool {
	has, err := cgroups.KernelHasController("rdma")
	return err == nil && has
}

func ptrTo[T any](v T) *T { return &v }
