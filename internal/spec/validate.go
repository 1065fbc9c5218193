package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
)

// semverRE is semver.org's grammar: MAJOR.MINOR.PATCH, an optional
// pre-release and optional build metadata ("1.0.2-dev" is what runc writes).
var semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)

var knownNamespaces = map[specs.LinuxNamespaceType]bool{
	specs.PIDNamespace: true, specs.NetworkNamespace: true, specs.MountNamespace: true,
	specs.IPCNamespace: true, specs.UTSNamespace: true, specs.UserNamespace: true,
	specs.CgroupNamespace: true, specs.TimeNamespace: true,
}

var knownRlimits = map[string]bool{
	"RLIMIT_AS": true, "RLIMIT_CORE": true, "RLIMIT_CPU": true, "RLIMIT_DATA": true,
	"RLIMIT_FSIZE": true, "RLIMIT_LOCKS": true, "RLIMIT_MEMLOCK": true,
	"RLIMIT_MSGQUEUE": true, "RLIMIT_NICE": true, "RLIMIT_NOFILE": true,
	"RLIMIT_NPROC": true, "RLIMIT_RSS": true, "RLIMIT_RTPRIO": true,
	"RLIMIT_RTTIME": true, "RLIMIT_SIGPENDING": true, "RLIMIT_STACK": true,
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
	m := semverRE.FindStringSubmatch(v)
	if m == nil {
		add("ociVersion", "%q is not a semantic version", v)
		return
	}
	if major, _ := strconv.Atoi(m[1]); major != 1 {
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
		if !knownRlimits[rl.Type] {
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
		case !knownNamespaces[ns.Type]:
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
