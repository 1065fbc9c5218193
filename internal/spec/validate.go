package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
)

// knownNamespace reports whether t is a namespace type of the runtime spec.
// (A switch, not a map: a package-level map is built at start-up by every
// tool that imports this package.)
func knownNamespace(t specs.LinuxNamespaceType) bool {
	switch t {
	case specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace,
		specs.IPCNamespace, specs.UTSNamespace, specs.UserNamespace,
		specs.CgroupNamespace, specs.TimeNamespace:
		return true
	}
	return false
}

// knownRlimit reports whether t is an rlimit type Linux has.
func knownRlimit(t string) bool {
	switch t {
	case "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA",
		"RLIMIT_FSIZE", "RLIMIT_LOCKS", "RLIMIT_MEMLOCK",
		"RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
		"RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO",
		"RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK":
		return true
	}
	return false
}

// Validate checks that s holds what this runtime needs to start a Linux
// container. It reports every problem it finds, each naming its field by
// JSON path (`process.args: must not be empty`). Resources are not checked:
// linux.resources is accepted and ignored.
func Validate(s *specs.Spec) error {
	if s == nil {
		return errors.New("config is null")
	}
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	validateVersion(s.Version, add)
	switch {
	case s.Root == nil:
		add("root", "required")
	case s.Root.Path == "":
		add("root.path", "required")
	}
	if s.Process == nil {
		add("process", "required")
	} else {
		validateProcess(s.Process, add)
	}
	for i, m := range s.Mounts {
		if m.Destination == "" {
			add(fmt.Sprintf("mounts[%d].destination", i), "required")
		}
	}
	if s.Linux == nil {
		add("linux", "required")
	} else {
		validateLinux(s, add)
	}
	return errors.Join(errs...)
}

type addFunc func(field, format string, args ...any)

func validateVersion(v string, add addFunc) {
	if v == "" {
		add("ociVersion", "required")
		return
	}
	m, ok := semverMajor(v)
	if !ok {
		add("ociVersion", "%q is not a semantic version", v)
		return
	}
	if major, _ := strconv.Atoi(m); major != 1 {
		// A new major version may change the meaning of fields we know,
		// so running it as 1.x could silently do the wrong thing.
		add("ociVersion", "unsupported ociVersion %q: this runtime supports 1.x", v)
	}
}

func validateProcess(p *specs.Process, add addFunc) {
	if len(p.Args) == 0 {
		add("process.args", "must not be empty")
	}
	if p.Cwd != "" && !filepath.IsAbs(p.Cwd) {
		add("process.cwd", "%q is not an absolute path", p.Cwd)
	}
	if c := p.Capabilities; c != nil {
		sets := []struct {
			name  string
			names []string
		}{
			{"bounding", c.Bounding}, {"effective", c.Effective},
			{"inheritable", c.Inheritable}, {"permitted", c.Permitted},
			{"ambient", c.Ambient},
		}
		for _, set := range sets {
			for i, n := range set.names {
				if _, err := caps.Parse(n); err != nil {
					add(fmt.Sprintf("process.capabilities.%s[%d]", set.name, i), "%v", err)
				}
			}
		}
	}
	seen := map[string]bool{}
	for i, rl := range p.Rlimits {
		field := fmt.Sprintf("process.rlimits[%d]", i)
		if !knownRlimit(rl.Type) {
			add(field+".type", "unknown rlimit type %q", rl.Type)
		} else if seen[rl.Type] {
			add(field+".type", "duplicate rlimit %q", rl.Type)
		}
		seen[rl.Type] = true
		if rl.Soft > rl.Hard {
			add(field, "soft limit %d exceeds hard limit %d", rl.Soft, rl.Hard)
		}
	}
}

func validateLinux(s *specs.Spec, add addFunc) {
	l := s.Linux
	have := map[specs.LinuxNamespaceType]bool{}
	userPath := ""
	for i, ns := range l.Namespaces {
		field := fmt.Sprintf("linux.namespaces[%d]", i)
		switch {
		case !knownNamespace(ns.Type):
			add(field+".type", "unknown namespace type %q", ns.Type)
		case have[ns.Type]:
			add(field, "duplicate %q namespace", ns.Type)
		}
		have[ns.Type] = true
		if ns.Type == specs.UserNamespace {
			userPath = ns.Path
		}
	}
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	switch {
	case have[specs.UserNamespace] && userPath == "":
		// A new user namespace without mappings would leave every ID
		// unmapped (nobody), and the container could not even run as root.
		if len(l.UIDMappings) == 0 {
			add("linux.uidMappings", "required with a user namespace")
		}
		if len(l.GIDMappings) == 0 {
			add("linux.gidMappings", "required with a user namespace")
		}
	case !have[specs.UserNamespace] && hasMaps:
		add("linux.uidMappings", "mappings need a user namespace")
	}
	for i, m := range l.UIDMappings {
		if m.Size == 0 {
			add(fmt.Sprintf("linux.uidMappings[%d].size", i), "must be greater than 0")
		}
	}
	for i, m := range l.GIDMappings {
		if m.Size == 0 {
			add(fmt.Sprintf("linux.gidMappings[%d].size", i), "must be greater than 0")
		}
	}
	// Setting the hostname without a UTS namespace of the container's own
	// would rename the host.
	if s.Hostname != "" && !have[specs.UTSNamespace] {
		add("hostname", "requires a uts namespace")
	}
	if s.Domainname != "" && !have[specs.UTSNamespace] {
		add("domainname", "requires a uts namespace")
	}
	for k := range l.Sysctl {
		if k == "" {
			add("linux.sysctl", "empty key")
		}
	}
}
