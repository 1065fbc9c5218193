package spec

import (
	"math"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxIDMapLines is how many lines the kernel takes in uid_map or gid_map
// (since Linux 4.15).
const maxIDMapLines = 340

// checkLinux checks the linux section and what depends on its namespaces.
func checkLinux(c *collector, s *specs.Spec) {
	l := s.Linux
	ns := checkNamespaces(c, l.Namespaces)
	user, hasUser := ns[specs.UserNamespace]
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	auto := checkUserNSAnnotation(c, s, hasUser && user.Path == "")
	switch {
	case hasUser && user.Path == "" && auto:
		// The runtime fills the mappings from its subordinate ranges
		// at create; a spec may carry its own only if they are what it
		// filled, which checkMappings below checks like any others.
	case hasUser && user.Path == "":
		// A new user namespace without mappings would leave every ID
		// unmapped (nobody), and the container could not even run as root.
		if len(l.UIDMappings) == 0 {
			c.errorf("linux.uidMappings", "required with a new user namespace")
		}
		if len(l.GIDMappings) == 0 {
			c.errorf("linux.gidMappings", "required with a new user namespace")
		}
	case hasUser && hasMaps:
		// A joined namespace has its mappings already: the kernel lets
		// uid_map be written once.
		c.errorf("linux.uidMappings", "mappings cannot be set on a joined user namespace (%s)", user.Path)
	case !hasUser && hasMaps:
		c.errorf("linux.uidMappings", "mappings need a user namespace")
	}
	checkMappings(c, "linux.uidMappings", l.UIDMappings)
	checkMappings(c, "linux.gidMappings", l.GIDMappings)

	// Setting the hostname without a UTS namespace of the container's own
	// would rename the host.
	if _, ok := ns[specs.UTSNamespace]; !ok {
		if s.Hostname != "" {
			c.errorf("hostname", "requires a uts namespace")
		}
		if s.Domainname != "" {
			c.errorf("domainname", "requires a uts namespace")
		}
	}
	if len(l.TimeOffsets) > 0 {
		// Offsets can be written only to a time namespace no process has
		// entered yet: a new one.
		switch t, ok := ns[specs.TimeNamespace]; {
		case !ok:
			c.errorf("linux.timeOffsets", "requires a time namespace")
		case t.Path != "":
			c.errorf("linux.timeOffsets", "cannot be set on a joined time namespace (%s)", t.Path)
		}
		for k, off := range l.TimeOffsets {
			if k != "boottime" && k != "monotonic" {
				c.errorf(key("linux.timeOffsets", k), "unknown clock (boottime or monotonic)")
			}
			if off.Nanosecs >= 1e9 {
				c.errorf(key("linux.timeOffsets", k)+".nanosecs", "%d is not less than 1000000000", off.Nanosecs)
			}
		}
	}
	checkDevices(c, l.Devices)
	for k := range l.Sysctl {
		checkSysctlKey(c, k)
	}
	checkAbsPaths(c, "linux.maskedPaths", l.MaskedPaths)
	checkAbsPaths(c, "linux.readonlyPaths", l.ReadonlyPaths)
	switch p := l.RootfsPropagation; {
	case p == "" || knownPropagation(p):
	case knownPropagation(strings.TrimPrefix(p, "r")):
		// Outside the schema's enumeration, but runc and crun take the
		// recursive forms and container managers write them.
		c.warnf("linux.rootfsPropagation", "%q is not in the runtime-spec (private, shared, slave, unbindable); taken as runc does", p)
	default:
		c.errorf("linux.rootfsPropagation", "unknown propagation %q", p)
	}
	if l.Seccomp != nil {
		checkSeccomp(c, l.Seccomp)
	}
	if l.Resources != nil {
		checkResources(c, l.Resources)
	}
	if r := l.IntelRdt; r != nil && r.MemBwSchema != "" && (!strings.HasPrefix(r.MemBwSchema, "MB:") || strings.Contains(r.MemBwSchema, "\n")) {
		c.errorf("linux.intelRdt.memBwSchema", "%q does not match ^MB:[^\\n]*$", r.MemBwSchema)
	}
	if mp := l.MemoryPolicy; mp != nil {
		if !knownMemPolicyMode(mp.Mode) {
			c.errorf("linux.memoryPolicy.mode", "unknown mode %q", mp.Mode)
		}
		for i, f := range mp.Flags {
			if !knownMemPolicyFlag(f) {
				c.errorf(at("linux.memoryPolicy.flags", i), "unknown flag %q", f)
			}
		}
		checkCPUList(c, "linux.memoryPolicy.nodes", mp.Nodes)
	}
	if p := l.Personality; p != nil && !knownPersonality(p.Domain) {
		c.errorf("linux.personality.domain", "unknown domain %q", p.Domain)
	}
}

// checkUserNSAnnotation checks AnnotationUserNS and reports whether it
// asks the runtime to choose the mappings. It needs a new user namespace:
// on a joined one or none there is nothing to map.
func checkUserNSAnnotation(c *collector, s *specs.Spec, newUserNS bool) bool {
	v, ok := s.Annotations[AnnotationUserNS]
	if !ok {
		return false
	}
	p := key("annotations", AnnotationUserNS)
	if _, err := ParseUserNS(v); err != nil {
		c.errorf(p, "%v", err)
		return false
	}
	if !newUserNS {
		c.errorf(p, "needs a new user namespace (a user entry without a path in linux.namespaces)")
		return false
	}
	return true
}

// checkNamespaces checks the namespace list and returns it by type.
func checkNamespaces(c *collector, list []specs.LinuxNamespace) map[specs.LinuxNamespaceType]specs.LinuxNamespace {
	have := make(map[specs.LinuxNamespaceType]specs.LinuxNamespace, len(list))
	for i, n := range list {
		p := at("linux.namespaces", i)
		switch _, dup := have[n.Type]; {
		case n.Type == "":
			c.errorf(p+".type", "required")
		case !knownNamespace(n.Type):
			c.errorf(p+".type", "unknown namespace type %q", n.Type)
		case dup:
			c.errorf(p+".type", "duplicate %q namespace", n.Type)
		default:
			have[n.Type] = n
		}
		// The path is opened in the runtime's mount namespace: a relative
		// one would depend on the runtime's working directory.
		if n.Path != "" && !filepath.IsAbs(n.Path) {
			c.errorf(p+".path", "%q is not an absolute path", n.Path)
		}
	}
	return have
}

// checkMappings checks uid or gid mappings as the kernel will: non-empty
// ranges, within 32 bits, no two overlapping inside or outside.
func checkMappings(c *collector, path string, ms []specs.LinuxIDMapping) {
	if len(ms) > maxIDMapLines {
		c.errorf(path, "%d mappings; the kernel takes at most %d", len(ms), maxIDMapLines)
	}
	for i, m := range ms {
		p := at(path, i)
		if m.Size == 0 {
			c.errorf(p+".size", "must be greater than 0")
			continue
		}
		if uint64(m.ContainerID)+uint64(m.Size) > math.MaxUint32+1 || uint64(m.HostID)+uint64(m.Size) > math.MaxUint32+1 {
			c.errorf(p+".size", "range goes past the last 32-bit ID")
			continue
		}
		for j := 0; j < i; j++ {
			o := ms[j]
			if o.Size == 0 {
				continue
			}
			if overlap(m.ContainerID, m.Size, o.ContainerID, o.Size) {
				c.errorf(p+".containerID", "range overlaps %s", at(path, j))
			}
			if overlap(m.HostID, m.Size, o.HostID, o.Size) {
				c.errorf(p+".hostID", "range overlaps %s", at(path, j))
			}
		}
	}
}

func overlap(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

// checkDevices checks the device nodes to create.
func checkDevices(c *collector, ds []specs.LinuxDevice) {
	for i, d := range ds {
		p := at("linux.devices", i)
		switch d.Type {
		case "":
			c.errorf(p+".type", "required")
		case "c", "b", "u", "p":
		default:
			c.errorf(p+".type", "%q does not match ^[cbup]$", d.Type)
		}
		switch {
		case d.Path == "":
			c.errorf(p+".path", "required")
		case !filepath.IsAbs(d.Path):
			c.errorf(p+".path", "%q is not an absolute path", d.Path)
		}
		if d.FileMode != nil && *d.FileMode > 0o777 {
			c.errorf(p+".fileMode", "%d is more than 511 (0777): permission bits only", uint32(*d.FileMode))
		}
	}
}

// checkSysctlKey checks a sysctl key as the init will use it: dots become
// slashes and the result a path under /proc/sys, so a key that would start
// with a slash is refused there, after the container is half built.
func checkSysctlKey(c *collector, k string) {
	switch {
	case k == "":
		c.errorf("linux.sysctl", "empty key")
	case k[0] == '.' || k[0] == '/':
		c.errorf(key("linux.sysctl", k), "key %q is not a sysctl name (it would not be under /proc/sys)", k)
	}
}

// checkAbsPaths checks that every path of a list is absolute.
func checkAbsPaths(c *collector, path string, list []string) {
	for i, p := range list {
		if !filepath.IsAbs(p) {
			c.errorf(at(path, i), "%q is not an absolute path", p)
		}
	}
}

// checkSeccomp checks the filter's enumerations and argument indices.
func checkSeccomp(c *collector, s *specs.LinuxSeccomp) {
	const p = "linux.seccomp"
	if s.DefaultAction == "" {
		c.errorf(p+".defaultAction", "required")
	} else if !knownSeccompAction(s.DefaultAction) {
		c.errorf(p+".defaultAction", "unknown action %q", s.DefaultAction)
	}
	for i, a := range s.Architectures {
		if !knownSeccompArch(a) {
			c.errorf(at(p+".architectures", i), "unknown architecture %q", a)
		}
	}
	for i, f := range s.Flags {
		if !knownSeccompFlag(f) {
			c.errorf(at(p+".flags", i), "unknown flag %q", f)
		}
	}
	for i, sc := range s.Syscalls {
		sp := at(p+".syscalls", i)
		if len(sc.Names) == 0 {
			c.errorf(sp+".names", "must not be empty")
		}
		for j, n := range sc.Names {
			if n == "" {
				c.errorf(at(sp+".names", j), "empty syscall name")
			}
		}
		switch {
		case sc.Action == "":
			c.errorf(sp+".action", "required")
		case !knownSeccompAction(sc.Action):
			c.errorf(sp+".action", "unknown action %q", sc.Action)
		}
		for j, a := range sc.Args {
			ap := at(sp+".args", j)
			// A system call has at most six arguments.
			if a.Index > 5 {
				c.errorf(ap+".index", "%d is more than 5", a.Index)
			}
			if a.Op == "" {
				c.errorf(ap+".op", "required")
			} else if !knownSeccompOp(a.Op) {
				c.errorf(ap+".op", "unknown operator %q", a.Op)
			}
		}
	}
	if s.ListenerMetadata != "" && s.ListenerPath == "" {
		c.errorf(p+".listenerMetadata", "must not be set without listenerPath")
	}
	checkSeccompNotify(c, s)
}

// checkSeccompNotify: a call handed to a listener (SCMP_ACT_NOTIFY) needs
// the listener's socket, listenerPath (the spec says it MUST be set);
// without one the call would wait for an answer nobody can give.
func checkSeccompNotify(c *collector, s *specs.LinuxSeccomp) {
	const p = "linux.seccomp"
	if s.ListenerPath != "" {
		return
	}
	if s.DefaultAction == specs.ActNotify {
		c.errorf(p+".defaultAction", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the socket of the process that answers the calls")
	}
	for i, sc := range s.Syscalls {
		if sc.Action == specs.ActNotify {
			c.errorf(at(p+".syscalls", i)+".action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the socket of the process that answers the calls")
		}
	}
}
