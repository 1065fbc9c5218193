package features

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The features document's enabled flags say what the runtime has code
// for ("compiled in", features.md), not what this machine offers. What
// the machine lacks goes into the document's annotations under
// HostAnnotationPrefix, one key per lack, the value saying why; that
// way `oci-spec features` reports it, and Unsupported, which reads the
// same document, refuses a spec that needs it at create.
const (
	// HostAnnotationPrefix starts every annotation about this host.
	HostAnnotationPrefix = "io.github.ocikit.host."
	// HostNoAppArmor: AppArmor is not the running kernel's active LSM,
	// so process.apparmorProfile cannot be applied.
	HostNoAppArmor = HostAnnotationPrefix + "apparmor"
	// HostNoSELinux: SELinux is not active, so process.selinuxLabel and
	// linux.mountLabel cannot be applied.
	HostNoSELinux = HostAnnotationPrefix + "selinux"
	// HostNoResctrl: no resctrl filesystem is mounted, so linux.intelRdt
	// cannot be applied.
	HostNoResctrl = HostAnnotationPrefix + "intelRdt"
	// HostNUMANodes lists the online NUMA nodes ("0", "0-3,6"), the
	// nodes linux.memoryPolicy.nodes may name.
	HostNUMANodes = HostAnnotationPrefix + "numaNodes"
	// HostNoModePrefix + a memory policy mode: the kernel lacks the mode.
	HostNoModePrefix = HostAnnotationPrefix + "memoryPolicy.mode."
)

// Host is what this machine can honour of the fields whose support
// depends on the kernel and its configuration rather than on this
// runtime's code. Each No* string is empty when the machine has the
// thing, or else says why it does not, in words for an error message.
type Host struct {
	NoAppArmor string
	NoSELinux  string
	NoResctrl  string
	// NUMANodes is the kernel's list of online nodes, as
	// /sys/devices/system/node/online spells it; "" when unknown (no
	// NUMA support, or sysfs unreadable), which claims nothing.
	NUMANodes string
	// NoModes maps each memory policy mode the kernel lacks to why.
	NoModes map[specs.MemoryPolicyModeType]string
}

// ProbeHost reads the facts of the machine whose filesystem root is root
// ("/" for this one; a fake tree in tests). It reads sysfs, securityfs
// and the runtime's own mountinfo, all before any container exists, so
// nothing a container controls can answer.
func ProbeHost(root string) *Host {
	at := func(p string) string { return filepath.Join(root, p) }
	h := &Host{
		NoAppArmor: probeAppArmor(at),
		NoSELinux:  probeSELinux(at),
		NoResctrl:  probeResctrl(at),
		NoModes:    map[specs.MemoryPolicyModeType]string{},
	}
	if b, err := os.ReadFile(at("sys/devices/system/node/online")); err == nil {
		h.NUMANodes = strings.TrimSpace(string(b))
	}
	// MPOL_WEIGHTED_INTERLEAVE came with Linux 6.9, together with its
	// weights directory; a kernel without the directory has no mode.
	if _, err := os.Stat(at("sys/kernel/mm/mempolicy/weighted_interleave")); err != nil {
		h.NoModes[specs.MpolWeightedInterleave] = "MPOL_WEIGHTED_INTERLEAVE is not supported by this kernel (Linux 6.9 and later have it; no /sys/kernel/mm/mempolicy/weighted_interleave)"
	}
	return h
}

// probeAppArmor: the LSM framework clears AppArmor's "enabled" parameter
// when the kernel was built with AppArmor but boots another LSM, so "Y"
// there means it is the active one.
func probeAppArmor(at func(string) string) string {
	b, err := os.ReadFile(at("sys/module/apparmor/parameters/enabled"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "this kernel has no AppArmor (no /sys/module/apparmor)"
	case err != nil:
		return fmt.Sprintf("cannot tell whether AppArmor is enabled: %v", err)
	case strings.TrimSpace(string(b)) != "Y":
		return "AppArmor is built into this kernel but not enabled (/sys/module/apparmor/parameters/enabled is not Y)"
	}
	return ""
}

// probeSELinux: an active SELinux has its selinuxfs at /sys/fs/selinux
// (the kernel makes the mount point only then, and every SELinux
// distribution mounts it there); without it no label can be loaded.
func probeSELinux(at func(string) string) string {
	if _, err := os.Stat(at("sys/fs/selinux/enforce")); err != nil {
		return "SELinux is not active on this host (no /sys/fs/selinux/enforce)"
	}
	return ""
}

// probeResctrl finds a resctrl mount in the runtime's mountinfo; the
// kernel lacking the filesystem altogether is the more useful reason.
func probeResctrl(at func(string) string) string {
	if fss, err := os.ReadFile(at("proc/filesystems")); err == nil && !hasFilesystem(fss, "resctrl") {
		return "this kernel has no resctrl filesystem (Intel RDT)"
	}
	mi, err := os.ReadFile(at("proc/self/mountinfo"))
	if err != nil {
		return fmt.Sprintf("cannot tell whether resctrl is mounted: %v", err)
	}
	if !mountinfoHasType(mi, "resctrl") {
		return "resctrl is not mounted (mount -t resctrl resctrl /sys/fs/resctrl)"
	}
	return ""
}

// hasFilesystem reports whether /proc/filesystems lists name.
func hasFilesystem(b []byte, name string) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 && f[len(f)-1] == name {
			return true
		}
	}
	return false
}

// mountinfoHasType reports whether a mountinfo lists a mount of fstype:
// the type is the first field after the " - " separator.
func mountinfoHasType(b []byte, fstype string) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		_, after, ok := strings.Cut(sc.Text(), " - ")
		if f := strings.Fields(after); ok && len(f) > 0 && f[0] == fstype {
			return true
		}
	}
	return false
}

// Annotations returns the host's facts as document annotations.
func (h *Host) Annotations() map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(HostNoAppArmor, h.NoAppArmor)
	set(HostNoSELinux, h.NoSELinux)
	set(HostNoResctrl, h.NoResctrl)
	set(HostNUMANodes, h.NUMANodes)
	for m, why := range h.NoModes {
		set(HostNoModePrefix+string(m), why)
	}
	return a
}

// hostFrom reads the facts back from a document's annotations. A
// document without them (another runtime's, or one written by hand)
// claims nothing about the host.
func hostFrom(ann map[string]string) *Host {
	h := &Host{
		NoAppArmor: ann[HostNoAppArmor],
		NoSELinux:  ann[HostNoSELinux],
		NoResctrl:  ann[HostNoResctrl],
		NUMANodes:  ann[HostNUMANodes],
		NoModes:    map[specs.MemoryPolicyModeType]string{},
	}
	for k, v := range ann {
		if m, ok := strings.CutPrefix(k, HostNoModePrefix); ok {
			h.NoModes[specs.MemoryPolicyModeType(m)] = v
		}
	}
	return h
}

// parseNodeList reads a node list in the kernel's cpulist format
// ("0-3,6"), as linux.memoryPolicy.nodes and sysfs spell it.
func parseNodeList(s string) (map[int]bool, error) {
	nodes := map[int]bool{}
	s = strings.TrimSpace(s)
	if s == "" {
		return nodes, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("node list %q: bad node %q", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("node list %q: bad range %q", s, part)
			}
		}
		// Node numbers stop at MAX_NUMNODES (1024 on x86_64 builds);
		// a wider range is a typo, not a node set.
		if b-a > 1<<12 {
			return nil, fmt.Errorf("node list %q: range %q is too wide", s, part)
		}
		for n := a; n <= b; n++ {
			nodes[n] = true
		}
	}
	return nodes, nil
}
