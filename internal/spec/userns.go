package spec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
)

// AnnotationUserNS asks a root runtime to pick the container's user
// namespace mappings itself: "auto" or "auto:size=N[,user=NAME]". The
// runtime takes a free block of Size IDs from the subordinate ranges of
// User in /etc/subuid and /etc/subgid, so containers of one host never
// share host IDs; the spec then has a new user namespace and no mappings.
const AnnotationUserNS = "org.ocikit.userns"

// Defaults of the userns annotation: 65536 IDs (a whole 16-bit range, as a
// distribution's files expect) from the subordinate ranges of user ocikit.
const (
	DefaultUserNSSize = 65536
	DefaultUserNSUser = "ocikit"
)

// UserNSAuto is a parsed AnnotationUserNS value.
type UserNSAuto struct {
	Size uint32 // IDs in the block, uid and gid alike
	User string // whose subordinate ranges the block comes from
}

// ParseUserNS parses the value of AnnotationUserNS.
func ParseUserNS(v string) (UserNSAuto, error) {
	a := UserNSAuto{Size: DefaultUserNSSize, User: DefaultUserNSUser}
	opts, ok := strings.CutPrefix(v, "auto")
	if !ok {
		return a, fmt.Errorf("%s %q: want auto or auto:size=N[,user=NAME]", AnnotationUserNS, v)
	}
	if opts == "" {
		return a, nil
	}
	opts, ok = strings.CutPrefix(opts, ":")
	if !ok || opts == "" {
		return a, fmt.Errorf("%s %q: want auto or auto:size=N[,user=NAME]", AnnotationUserNS, v)
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(opts, ",") {
		k, val, _ := strings.Cut(kv, "=")
		if seen[k] {
			return a, fmt.Errorf("%s %q: %s given twice", AnnotationUserNS, v, k)
		}
		seen[k] = true
		switch k {
		case "size":
			n, err := strconv.ParseUint(val, 10, 32)
			// Below 2 the container would have root and nothing else,
			// which is what --rootless without subids already gives.
			if err != nil || n < 2 {
				return a, fmt.Errorf("%s %q: size %q: want a number from 2 to 4294967295", AnnotationUserNS, v, val)
			}
			a.Size = uint32(n)
		case "user":
			// The name is looked up in /etc/subuid, whose fields are
			// colon-separated.
			if val == "" || strings.ContainsAny(val, ":\n") {
				return a, fmt.Errorf("%s %q: user %q: want a user name", AnnotationUserNS, v, val)
			}
			a.User = val
		default:
			return a, fmt.Errorf("%s %q: unknown option %q (size, user)", AnnotationUserNS, v, k)
		}
	}
	return a, nil
}

// String is the annotation value that parses back to a.
func (a UserNSAuto) String() string {
	if a.Size == DefaultUserNSSize && a.User == DefaultUserNSUser {
		return "auto"
	}
	s := "auto:size=" + strconv.FormatUint(uint64(a.Size), 10)
	if a.User != DefaultUserNSUser {
		s += ",user=" + a.User
	}
	return s
}

// ToUserNSAuto converts s into a system container whose user namespace
// mappings a root runtime picks at create (AnnotationUserNS set to
// value):
//   - a new user namespace, and no mappings: the runtime fills them from
//     its pool, and a spec's own would be overwritten anyway;
//   - the full capability set in the bounding, effective and permitted
//     sets: root in the container may mount proc, sysfs and tmpfs and run
//     an init, and every capability is bounded by the user namespace, so
//     none reaches a host resource the mapped IDs do not own;
//   - no maskedPaths or readonlyPaths under /proc or /sys: the kernel
//     locks a mount made over part of proc into a less privileged user
//     namespace, and refuses a fresh proc to a nested container with a
//     user namespace of its own while any part of the container's proc
//     is covered (mount_too_revealing). What the masks hid is still out
//     of reach: its files belong to host root, unmapped here, and
//     /proc/kcore or sysrq need capabilities in the initial namespace.
func ToUserNSAuto(s *specs.Spec, value string) error {
	if _, err := ParseUserNS(value); err != nil {
		return err
	}
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	hasUser := false
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.UserNamespace {
			continue
		}
		if ns.Path != "" {
			return fmt.Errorf("%s %s: the config joins the user namespace at %s", AnnotationUserNS, value, ns.Path)
		}
		hasUser = true
	}
	if !hasUser {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	}
	s.Linux.UIDMappings, s.Linux.GIDMappings = nil, nil
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[AnnotationUserNS] = value
	s.Linux.MaskedPaths = outsideProcSys(s.Linux.MaskedPaths)
	s.Linux.ReadonlyPaths = outsideProcSys(s.Linux.ReadonlyPaths)
	if s.Process != nil {
		if s.Process.Capabilities == nil {
			s.Process.Capabilities = &specs.LinuxCapabilities{}
		}
		c := s.Process.Capabilities
		c.Bounding, c.Effective, c.Permitted = caps.Names(), caps.Names(), caps.Names()
	}
	return nil
}

// outsideProcSys returns the paths of list not under /proc or /sys, nil
// when none is left (so the key goes from the config).
func outsideProcSys(list []string) []string {
	var out []string
	for _, p := range list {
		c := filepath.Clean(p)
		if c == "/proc" || c == "/sys" || strings.HasPrefix(c, "/proc/") || strings.HasPrefix(c, "/sys/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// UserNSFlag turns the value of oci-spec's --userns into the annotation
// value: the flag also takes the short form auto=SIZE.
func UserNSFlag(v string) string {
	if size, ok := strings.CutPrefix(v, "auto="); ok {
		return "auto:size=" + size
	}
	return v
}
