package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Supported ociVersion range: every 1.x minor up to the runtime-spec module
// this runtime is built against. A later minor may add fields whose meaning
// this runtime would silently ignore, so it is refused rather than run.
const (
	supportedMajor    = 1
	supportedMaxMinor = 3
)

// Options select the checks that need more than the document.
type Options struct {
	// Bundle, when not empty, is the bundle directory the config belongs
	// to: root.path must then name a directory in it. Empty when the
	// config is checked alone (oci-spec validate -f).
	Bundle string
}

// Check validates a config.json document: its shape against the
// runtime-spec types (Shape: types, integer ranges, required properties,
// unknown properties), then, when it decodes, every rule of Problems. It
// returns the decoded spec (nil when the document does not decode) and
// every finding, errors and warnings. A document that is not one JSON
// object gives a single problem with an empty path.
func Check(data []byte, opts Options) (*specs.Spec, []Problem) {
	var c collector
	s, err := decode(data)
	var te *typeError
	if err != nil && !errors.As(err, &te) {
		c.errorf("", "%v", err)
		return nil, c.ps
	}
	c.ps = append(c.ps, Shape(data)...)
	if s == nil {
		// A type error leaves the decoded spec partial: its checks would
		// report the mistyped fields again as missing.
		if !HasErrors(c.ps) {
			c.errorf("", "%v", err)
		}
		return nil, c.ps
	}
	// A required property missing from the document is found by both
	// passes; it is said once.
	shape := len(c.ps)
	for _, p := range Problems(s) {
		if !slices.Contains(c.ps[:shape], p) {
			c.ps = append(c.ps, p)
		}
	}
	if opts.Bundle != "" {
		checkRootInBundle(&c, s, opts.Bundle)
	}
	return s, c.ps
}

// Problems checks a decoded spec against the runtime-spec schema of its
// ociVersion and the rules the schema cannot express, as far as they bear
// on a Linux container. Paths are JSON paths in gjson syntax
// ("linux.namespaces.3.type"), the syntax oci-spec get takes.
func Problems(s *specs.Spec) []Problem {
	var c collector
	if s == nil {
		c.errorf("", "config is null")
		return c.ps
	}
	minor := checkVersion(&c, s.Version)
	switch {
	case s.Root == nil:
		c.errorf("root", "required")
	case s.Root.Path == "":
		c.errorf("root.path", "required")
	}
	if s.Process == nil {
		// Optional in the spec until start, but create needs it: the
		// init is set up for this process.
		c.errorf("process", "required")
	} else {
		checkProcess(&c, s.Process)
	}
	checkMounts(&c, s.Mounts, minor)
	checkHooks(&c, s.Hooks)
	checkDeadlineHooks(&c, s)
	if s.Linux == nil {
		c.errorf("linux", "required")
	} else {
		checkLinux(&c, s)
	}
	if minor >= 0 {
		checkSince(&c, s, minor)
	}
	return c.ps
}

// Validate is what create runs: the errors of Problems as one error (each
// "PATH: MESSAGE", joined), nil when there are none. Warnings do not stop
// a container.
func Validate(s *specs.Spec) error {
	return problemsError(Problems(s))
}

// problemsError joins the errors among ps.
func problemsError(ps []Problem) error {
	var errs []error
	for _, p := range ps {
		if p.Severity == SeverityError {
			errs = append(errs, errors.New(p.String()))
		}
	}
	return errors.Join(errs...)
}

// HasErrors reports whether any of ps is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// collector gathers problems; its methods keep the call sites one line.
type collector struct{ ps []Problem }

func (c *collector) errorf(path, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Message: fmt.Sprintf(format, args...), Severity: SeverityError})
}

func (c *collector) warnf(path, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Message: fmt.Sprintf(format, args...), Severity: SeverityWarning})
}

// at returns the path of element i of the array at path.
func at(path string, i int) string { return path + "." + strconv.Itoa(i) }

// key returns the path of a member of the object at path, escaping the
// characters gjson reads as syntax ("linux.sysctl.net\.ipv4\.ip_forward").
func key(path, k string) string {
	if strings.ContainsAny(k, `.*?\|#@!`) {
		var b strings.Builder
		for _, r := range k {
			if strings.ContainsRune(`.*?\|#@!`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		k = b.String()
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// checkVersion checks ociVersion and returns its minor version, or -1 when
// it has none this runtime supports.
func checkVersion(c *collector, v string) int {
	if v == "" {
		c.errorf("ociVersion", "required")
		return -1
	}
	major, minor, ok := semverMajorMinor(v)
	if !ok {
		c.errorf("ociVersion", "%q is not a semantic version", v)
		return -1
	}
	if major != supportedMajor || minor > supportedMaxMinor {
		// A new major version may change the meaning of fields we know,
		// and a newer minor may add fields this runtime would ignore.
		c.errorf("ociVersion", "unsupported ociVersion %q: this runtime supports 1.0.0 through 1.%d.x", v, supportedMaxMinor)
		return -1
	}
	return minor
}

// semverMajorMinor returns the numeric major and minor of a semantic
// version.
func semverMajorMinor(v string) (major, minor int, ok bool) {
	m, ok := semverMajor(v)
	if !ok {
		return 0, 0, false
	}
	rest := strings.TrimPrefix(v, m+".")
	mi, _, _ := strings.Cut(rest, ".")
	var err1, err2 error
	major, err1 = strconv.Atoi(m)
	minor, err2 = strconv.Atoi(mi)
	if err1 != nil || err2 != nil {
		// Digits too many for an int: not a version anyone runs.
		return 0, 0, false
	}
	return major, minor, true
}

// checkRootInBundle checks that root.path names a directory, relative
// paths being relative to the bundle.
func checkRootInBundle(c *collector, s *specs.Spec, bundle string) {
	if s.Root == nil || s.Root.Path == "" {
		return
	}
	p := s.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs // the message names the directory unambiguously
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		c.errorf("root.path", "root filesystem %q: %v", p, err)
	case !fi.IsDir():
		c.errorf("root.path", "root filesystem %q is not a directory", p)
	}
}

// checkHooks checks every hook: an absolute path, as the spec extends
// POSIX to require, and a timeout of at least one second.
func checkHooks(c *collector, h *specs.Hooks) {
	if h == nil {
		return
	}
	kinds := []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, {"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer}, {"startContainer", h.StartContainer},
		{"poststart", h.Poststart}, {"poststop", h.Poststop},
	}
	for _, k := range kinds {
		for i, hk := range k.hooks {
			p := at("hooks."+k.name, i)
			switch {
			case hk.Path == "":
				c.errorf(p+".path", "required")
			case !filepath.IsAbs(hk.Path):
				c.errorf(p+".path", "%q is not an absolute path", hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout < 1 {
				c.errorf(p+".timeout", "must be at least 1, not %d", *hk.Timeout)
			}
			checkEnv(c, p+".env", hk.Env)
		}
	}
}

// checkMounts checks mount destinations and idmapped-mount mappings.
func checkMounts(c *collector, ms []specs.Mount, minor int) {
	for i, m := range ms {
		p := at("mounts", i)
		switch {
		case m.Destination == "":
			c.errorf(p+".destination", "required")
		case !filepath.IsAbs(m.Destination) && minor >= 0 && minor < 2:
			// Relative destinations became legal (relative to "/") in
			// runtime-spec 1.2.0; before, they had to be absolute.
			c.errorf(p+".destination", "%q is not an absolute path (relative destinations need ociVersion 1.2.0)", m.Destination)
		case !filepath.IsAbs(m.Destination):
			c.warnf(p+".destination", "%q is not an absolute path: it is taken relative to /", m.Destination)
		}
		if (len(m.UIDMappings) > 0) != (len(m.GIDMappings) > 0) {
			c.errorf(p, "uidMappings and gidMappings must be given together")
		}
		checkMappings(c, p+".uidMappings", m.UIDMappings)
		checkMappings(c, p+".gidMappings", m.GIDMappings)
	}
}

// checkEnv warns about environment entries that are not KEY=VALUE: execve
// passes them on, but no program can look them up.
func checkEnv(c *collector, path string, env []string) {
	for i, e := range env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			c.warnf(at(path, i), "%q is not KEY=VALUE", e)
		}
	}
}
