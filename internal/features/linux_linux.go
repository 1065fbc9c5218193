package features

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

func checkLinux(r *report, l *specs.Linux, lf *features.Linux) {
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
			r.ignored("linux.seccomp", "ignored: this runtime does not load seccomp filters")
		}
	} else {
		checkSeccomp(r, l.Seccomp, lf.Seccomp)
	}
	if l.MountLabel != "" && !enabled(selinux(lf)) {
		r.ignored("linux.mountLabel", "ignored: this runtime does not apply SELinux labels")
	}
	if l.IntelRdt != nil && (lf.IntelRdt == nil || !enabled(lf.IntelRdt.Enabled)) {
		r.ignored("linux.intelRdt", "ignored: this runtime does not manage Intel RDT")
	}
	if len(l.NetDevices) > 0 && (lf.NetDevices == nil || !enabled(lf.NetDevices.Enabled)) {
		r.ignored("linux.netDevices", "ignored: this runtime does not move network devices into the container")
	}
	if l.MemoryPolicy != nil && lf.MemoryPolicy == nil {
		r.ignored("linux.memoryPolicy", "ignored: this runtime does not set a NUMA memory policy")
	}
	// The document has no word for personality; no code of this runtime
	// reads it.
	if l.Personality != nil {
		r.ignored("linux.personality", "ignored: not implemented by this runtime")
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
