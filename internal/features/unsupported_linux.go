package features

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/caps"
	"github.com/ocikit/ocikit/internal/spec"
)

// Unsupported returns a problem for every field of s that a runtime with
// features f would not honour: an error for a field oci-create refuses,
// and a warning for one the container runs without (fields of other
// platforms, the spec's deprecated kernel memory limits, capabilities
// the running kernel does not know, filesystem options a bind mount
// drops). Each names the field by JSON path ("linux.namespaces.3.type").
// A list the document leaves out means "unknown", as features.md has it,
// and claims nothing. What the host lacks (an LSM, resctrl, a NUMA node,
// a kernel's memory policy mode) is read from the document's host
// annotations (ProbeHost); a document without them claims nothing about
// the host. Whether s is valid is package spec's concern: a field
// Unsupported does not know is left to it.
func Unsupported(s *specs.Spec, f *features.Features) []spec.Problem {
	if s == nil {
		return nil
	}
	if f == nil {
		f = &features.Features{}
	}
	lf := f.Linux
	if lf == nil {
		lf = &features.Linux{}
	}
	h := hostFrom(f.Annotations)
	r := &report{}
	checkPlatforms(r, s)
	checkProcess(r, s.Process, lf, h)
	checkHooks(r, s.Hooks, f.Hooks)
	checkMounts(r, s.Mounts, f.MountOptions, lf)
	if s.Linux != nil {
		checkLinux(r, s.Linux, lf, h)
	}
	return r.problems
}

// report collects the problems of one spec.
type report struct{ problems []spec.Problem }

// ignored records a field the runtime would run the container without.
func (r *report) ignored(path, format string, args ...any) {
	r.add(path, spec.SeverityWarning, format, args...)
}

// refused records a field oci-create would refuse.
func (r *report) refused(path, format string, args ...any) {
	r.add(path, spec.SeverityError, format, args...)
}

func (r *report) add(path string, sev spec.Severity, format string, args ...any) {
	r.problems = append(r.problems, spec.Problem{Path: path, Message: fmt.Sprintf(format, args...), Severity: sev})
}

// enabled reads one of the document's "enabled" flags; absent is false.
func enabled(b *bool) bool { return b != nil && *b }

// checkPlatforms warns about the sections of other platforms: the
// runtime makes Linux containers only and never reads them.
func checkPlatforms(r *report, s *specs.Spec) {
	for _, p := range []struct {
		field string
		v     any
	}{
		{"windows", s.Windows}, {"solaris", s.Solaris}, {"vm", s.VM}, {"zos", s.ZOS}, {"freebsd", s.FreeBSD},
	} {
		if isSet(p.v) {
			r.ignored(p.field, "ignored: this runtime makes Linux containers only")
		}
	}
}

func checkProcess(r *report, p *specs.Process, lf *features.Linux, h *Host) {
	if p == nil {
		return
	}
	if p.CommandLine != "" {
		r.ignored("process.commandLine", "ignored: a Windows field; process.args is run")
	}
	if p.User.Username != "" {
		r.ignored("process.user.username", "ignored: a Windows field; process.user.uid and gid are used")
	}
	if p.ApparmorProfile != "" {
		checkHostFeature(r, "process.apparmorProfile", "AppArmor profiles", apparmor(lf), h.NoAppArmor)
	}
	if p.SelinuxLabel != "" {
		checkHostFeature(r, "process.selinuxLabel", "SELinux labels", selinux(lf), h.NoSELinux)
	}
	// process.scheduler, ioPriority and execCPUAffinity have no word in
	// the features document: package process applies them, and refuses a
	// value the kernel cannot take (SCHED_ISO, a FIFO policy without
	// realtime runtime) naming the field, at create.
	checkCapabilities(r, p.Capabilities, lf.Capabilities)
}

// checkHostFeature refuses a field that needs code this runtime lacks
// (implemented, the document's enabled flag, is not true) or a facility
// this host lacks (noHost says why).
func checkHostFeature(r *report, path, what string, implemented *bool, noHost string) {
	switch {
	case !enabled(implemented):
		r.refused(path, "%s are not implemented by this runtime: oci-create refuses the spec", what)
	case noHost != "":
		r.refused(path, "%s: oci-create refuses the spec", noHost)
	}
}

func apparmor(lf *features.Linux) *bool {
	if lf.Apparmor == nil {
		return nil
	}
	return lf.Apparmor.Enabled
}

func selinux(lf *features.Linux) *bool {
	if lf.Selinux == nil {
		return nil
	}
	return lf.Selinux.Enabled
}

// checkCapabilities warns about capabilities the document does not list.
// A name package caps knows but the running kernel does not is left out of
// the container's sets without an error (a spec written for a newer
// kernel still runs); a name nobody knows is package spec's to report.
func checkCapabilities(r *report, c *specs.LinuxCapabilities, known []string) {
	if c == nil || known == nil {
		return
	}
	for _, set := range []struct {
		field string
		names []string
	}{
		{"bounding", c.Bounding}, {"effective", c.Effective}, {"inheritable", c.Inheritable},
		{"permitted", c.Permitted}, {"ambient", c.Ambient},
	} {
		for i, name := range set.names {
			n, err := caps.Parse(name)
			if err != nil || slices.Contains(known, caps.Name(n)) {
				continue
			}
			r.ignored(fmt.Sprintf("process.capabilities.%s.%d", set.field, i),
				"ignored: %s is not known to this kernel, so the container does not get it", caps.Name(n))
		}
	}
}

// checkHooks warns about hooks of a kind the runtime does not run.
func checkHooks(r *report, h *specs.Hooks, kinds []string) {
	if h == nil || kinds == nil {
		return
	}
	for _, k := range []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, //nolint:staticcheck // deprecated, still a field to judge
		{"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer},
		{"poststart", h.Poststart},
		{"poststop", h.Poststop},
	} {
		if len(k.hooks) > 0 && !slices.Contains(kinds, k.name) {
			r.ignored("hooks."+k.name, "ignored: this runtime does not run %s hooks", k.name)
		}
	}
}

// checkMounts reports id-mapped mounts where the document says they are
// not supported, or that the mount code refuses (mappings without the
// idmap or ridmap option, crun's mappings inline in the option), and
// options a bind mount
// would drop: an option that is no mount flag or runtime extension goes to
// the filesystem as data, which a bind mount does not take, so the kernel
// drops it without a word. On other mounts such an option is the
// filesystem's (size=, mode=...), which the kernel judges at mount time.
func checkMounts(r *report, mounts []specs.Mount, known []string, lf *features.Linux) {
	idmap := lf.MountExtensions != nil && lf.MountExtensions.IDMap != nil && enabled(lf.MountExtensions.IDMap.Enabled)
	for i, m := range mounts {
		base := fmt.Sprintf("mounts.%d", i)
		why := fmt.Sprintf("mount %q: id-mapped mounts are not supported: oci-create refuses this mount", m.Destination)
		if idmap {
			why = fmt.Sprintf("mount %q: uidMappings and gidMappings need the idmap or ridmap option: oci-create refuses this mount", m.Destination)
		}
		if !idmap || !slices.Contains(m.Options, "idmap") && !slices.Contains(m.Options, "ridmap") {
			if len(m.UIDMappings) > 0 {
				r.refused(base+".uidMappings", "%s", why)
			}
			if len(m.GIDMappings) > 0 {
				r.refused(base+".gidMappings", "%s", why)
			}
		}
		bind := m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
		for j, opt := range m.Options {
			path := fmt.Sprintf("%s.options.%d", base, j)
			name, _, _ := strings.Cut(opt, "=")
			switch {
			case opt == "" || slices.Contains(known, opt):
			case (name == "idmap" || name == "ridmap") && !idmap:
				r.refused(path, "mount %q: option %q: id-mapped mounts are not supported: oci-create refuses this mount", m.Destination, opt)
			case name == "idmap" || name == "ridmap":
				r.refused(path, "mount %q: option %q: mappings in the option are not supported (give the mount uidMappings and gidMappings): oci-create refuses this mount", m.Destination, opt)
			case bind && known != nil:
				r.ignored(path, "ignored: %q is not a mount option this runtime knows, and a bind mount takes no filesystem options", opt)
			}
		}
	}
}

// AppendNew appends to ps each problem of more whose field ps does not
// already report at least as severely, so that a name both the validator
// and Unsupported object to (an unknown seccomp flag, say) is reported
// once, by the validator, whose message says more.
func AppendNew(ps []spec.Problem, more ...spec.Problem) []spec.Problem {
	worst := make(map[string]spec.Severity, len(ps))
	for _, p := range ps {
		if worst[p.Path] != spec.SeverityError {
			worst[p.Path] = p.Severity
		}
	}
	for _, p := range more {
		if w, ok := worst[p.Path]; ok && (w == spec.SeverityError || p.Severity == spec.SeverityWarning) {
			continue
		}
		ps = append(ps, p)
	}
	return ps
}
