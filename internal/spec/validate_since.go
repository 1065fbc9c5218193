package spec

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkSince warns about fields newer than the document's ociVersion: a
// runtime of that version would ignore them, so the document probably
// means a later version (the runtime-spec ChangeLog says when each came).
func checkSince(c *collector, s *specs.Spec, minor int) {
	since := func(path string, set bool, m int, patch string) {
		if set && minor < m {
			c.warnf(path, "added in runtime-spec 1.%d.%s; the document's ociVersion is %s", m, patch, s.Version)
		}
	}
	if p := s.Process; p != nil {
		since("process.scheduler", p.Scheduler != nil, 1, "0")
		since("process.ioPriority", p.IOPriority != nil, 1, "0")
		since("process.execCPUAffinity", p.ExecCPUAffinity != nil, 2, "1")
	}
	since("domainname", s.Domainname != "", 1, "0")
	for i, m := range s.Mounts {
		since(fmt.Sprintf("mounts.%d.uidMappings", i), len(m.UIDMappings) > 0, 1, "0")
		since(fmt.Sprintf("mounts.%d.gidMappings", i), len(m.GIDMappings) > 0, 1, "0")
	}
	l := s.Linux
	if l == nil {
		return
	}
	for i, n := range l.Namespaces {
		since(at("linux.namespaces", i), n.Type == specs.TimeNamespace, 1, "0")
	}
	since("linux.timeOffsets", len(l.TimeOffsets) > 0, 1, "0")
	if sc := l.Seccomp; sc != nil {
		since("linux.seccomp.listenerPath", sc.ListenerPath != "", 1, "0")
		since("linux.seccomp.listenerMetadata", sc.ListenerMetadata != "", 1, "0")
	}
	if r := l.Resources; r != nil {
		since("linux.resources.unified", len(r.Unified) > 0, 1, "0")
		if cpu := r.CPU; cpu != nil {
			since("linux.resources.cpu.idle", cpu.Idle != nil, 1, "0")
			since("linux.resources.cpu.burst", cpu.Burst != nil, 1, "0")
		}
		if m := r.Memory; m != nil {
			since("linux.resources.memory.checkBeforeUpdate", m.CheckBeforeUpdate != nil, 1, "0")
		}
	}
	since("linux.netDevices", len(l.NetDevices) > 0, 3, "0")
	since("linux.memoryPolicy", l.MemoryPolicy != nil, 3, "0")
	if r := l.IntelRdt; r != nil {
		since("linux.intelRdt.schemata", len(r.Schemata) > 0, 3, "0")
		since("linux.intelRdt.enableMonitoring", r.EnableMonitoring, 3, "0")
	}
}
