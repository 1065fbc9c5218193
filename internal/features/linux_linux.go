package features

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

func checkLinux(r *report, l *specs.Linux, lf *features.Linux, h *Host) {
	if lf.Namespaces != nil {
		for i, ns := range l.Namespaces {
			if ns.Type != "" && !slices.Contains(lf.Namespaces, string(ns.Type)) {
				r.refused(fmt.Sprintf("linux.namespaces.%d.type", i),
					"%s namespaces are not supported here: oci-create cannot make this container", ns.Type)
			}
		}
	}
	systemd := lf.Cgroup != nil && enabled(lf.Cgroup.Systemd)
	if isSystemdPath(l.CgroupsPath) && !systemd {
		r.refused("linux.cgroupsPath", "systemd cgroup paths (slice:prefix:name) are not supported: oci-create refuses them")
	}
	checkResources(r, l.Resources, lf.Cgroup)
	if lf.Seccomp == nil || !enabled(lf.Seccomp.Enabled) {
		if l.Seccomp != nil {
			r.refused("linux.seccomp", "seccomp filters are not implemented by this runtime: oci-create refuses the spec")
		}
	} else {
		checkSeccomp(r, l.Seccomp, lf.Seccomp)
	}
	if l.MountLabel != "" {
		checkHostFeature(r, "linux.mountLabel", "SELinux labels", selinux(lf), h.NoSELinux)
	}
	checkIntelRdt(r, l.IntelRdt, lf.IntelRdt, h)
	if len(l.NetDevices) > 0 && (lf.NetDevices == nil || !enabled(lf.NetDevices.Enabled)) {
		r.refused("linux.netDevices", "moving network devices into the container is not implemented by this runtime: oci-create refuses the spec")
	}
	checkMemoryPolicy(r, l.MemoryPolicy, lf.MemoryPolicy, h)
	// linux.personality has no word in the document: package process
	// sets the domain, and refuses any flag by name (the spec defines
	// none).
}

// checkIntelRdt refuses linux.intelRdt without the code or without a
// mounted resctrl, and the parts of it the document disclaims.
func checkIntelRdt(r *report, rdt *specs.LinuxIntelRdt, rf *features.IntelRdt, h *Host) {
	if rdt == nil {
		return
	}
	if rf == nil {
		rf = &features.IntelRdt{}
	}
	checkHostFeature(r, "linux.intelRdt", "Intel RDT (resctrl) groups", rf.Enabled, h.NoResctrl)
	if !enabled(rf.Enabled) || h.NoResctrl != "" {
		return
	}
	if len(rdt.Schemata) > 0 && !enabled(rf.Schemata) {
		r.refused("linux.intelRdt.schemata", "not implemented by this runtime: oci-create refuses the spec")
	}
	if rdt.EnableMonitoring && !enabled(rf.Monitoring) {
		r.refused("linux.intelRdt.enableMonitoring", "not implemented by this runtime: oci-create refuses the spec")
	}
}

// checkMemoryPolicy refuses a memory policy without the code, a mode or
// flag the document does not list or the kernel lacks, and nodes that
// are not online: set_mempolicy would fail with a bare EINVAL in the
// container's init.
func checkMemoryPolicy(r *report, mp *specs.LinuxMemoryPolicy, mf *features.MemoryPolicy, h *Host) {
	if mp == nil {
		return
	}
	if mf == nil {
		r.refused("linux.memoryPolicy", "NUMA memory policies are not implemented by this runtime: oci-create refuses the spec")
		return
	}
	switch {
	case mp.Mode == "":
	case mf.Modes != nil && !slices.Contains(mf.Modes, string(mp.Mode)):
		r.refused("linux.memoryPolicy.mode", "mode %s is not supported by this runtime: oci-create refuses the spec", mp.Mode)
	case h.NoModes[mp.Mode] != "":
		r.refused("linux.memoryPolicy.mode", "%s: oci-create refuses the spec", h.NoModes[mp.Mode])
	}
	relative := false
	for i, fl := range mp.Flags {
		if mf.Flags != nil && !slices.Contains(mf.Flags, string(fl)) {
			r.refused(fmt.Sprintf("linux.memoryPolicy.flags.%d", i), "flag %s is not supported by this runtime: oci-create refuses the spec", fl)
		}
		relative = relative || fl == specs.MpolFRelativeNodes || fl == specs.MpolFStaticNodes
	}
	// Relative and static node sets may name nodes the kernel maps or
	// filters at each use, so only a plain set is checked.
	if relative || mp.Nodes == "" || h.NUMANodes == "" {
		return
	}
	want, err := parseNodeList(mp.Nodes)
	online, oerr := parseNodeList(h.NUMANodes)
	if err != nil || oerr != nil {
		return // a malformed list is package spec's to report
	}
	var off []int
	for n := range want {
		if !online[n] {
			off = append(off, n)
		}
	}
	if len(off) > 0 {
		slices.Sort(off)
		r.refused("linux.memoryPolicy.nodes", "node %d not online on this host (online nodes: %s): oci-create refuses the spec", off[0], h.NUMANodes)
	}
}

// isSystemdPath reports whether a cgroupsPath has systemd's
// "slice:prefix:name" form, as package cgroups tells it (three parts, the
// first without a slash), which it refuses without the systemd driver.
func isSystemdPath(p string) bool {
	parts := strings.Split(p, ":")
	return len(parts) == 3 && !strings.Contains(parts[0], "/")
}

// checkSeccomp reports the names in a profile that the document's seccomp
// lists leave out: package seccomp refuses each of them before anything
// is applied.
func checkSeccomp(r *report, s *specs.LinuxSeccomp, sf *features.Seccomp) {
	if s == nil {
		return
	}
	action := func(path string, a specs.LinuxSeccompAction) {
		if sf.Actions != nil && a != "" && !slices.Contains(sf.Actions, string(a)) {
			r.refused(path, "seccomp action %s is not supported: oci-create refuses the profile", a)
		}
	}
	action("linux.seccomp.defaultAction", s.DefaultAction)
	if s.ListenerPath != "" && !slices.Contains(sf.Actions, string(specs.ActNotify)) {
		r.refused("linux.seccomp.listenerPath", "seccomp listeners (SCMP_ACT_NOTIFY) are not supported: oci-create refuses the profile")
	}
	if sf.Archs != nil {
		for i, a := range s.Architectures {
			if !slices.Contains(sf.Archs, string(a)) {
				r.refused(fmt.Sprintf("linux.seccomp.architectures.%d", i), "seccomp architecture %s is not supported: oci-create refuses the profile", a)
			}
		}
	}
	for i, fl := range s.Flags {
		path := fmt.Sprintf("linux.seccomp.flags.%d", i)
		switch {
		case sf.KnownFlags != nil && !slices.Contains(sf.KnownFlags, string(fl)):
			r.refused(path, "seccomp flag %s is not supported: oci-create refuses the profile", fl)
		case sf.SupportedFlags != nil && !slices.Contains(sf.SupportedFlags, string(fl)):
			r.refused(path, "seccomp flag %s is not supported by this kernel: oci-create refuses the profile", fl)
		}
	}
	for i, sc := range s.Syscalls {
		base := fmt.Sprintf("linux.seccomp.syscalls.%d", i)
		action(base+".action", sc.Action)
		if sf.Operators == nil {
			continue
		}
		for j, a := range sc.Args {
			if a.Op != "" && !slices.Contains(sf.Operators, string(a.Op)) {
				r.refused(fmt.Sprintf("%s.args.%d.op", base, j), "seccomp operator %s is not supported: oci-create refuses the profile", a.Op)
			}
		}
	}
}

// memoryPolicyModes and memoryPolicyFlags are the runtime-spec's memory
// policy modes and flags, all of which package process maps to
// set_mempolicy(2) values; whether the kernel has a mode is the host's
// fact (Host.NoModes).
func memoryPolicyModes() []string {
	return []string{
		string(specs.MpolDefault), string(specs.MpolBind), string(specs.MpolInterleave),
		string(specs.MpolWeightedInterleave), string(specs.MpolPreferred),
		string(specs.MpolPreferredMany), string(specs.MpolLocal),
	}
}

func memoryPolicyFlags() []string {
	return []string{string(specs.MpolFNumaBalancing), string(specs.MpolFRelativeNodes), string(specs.MpolFStaticNodes)}
}
