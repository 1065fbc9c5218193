package spec

import (
	"fmt"
	"strconv"
	"strings"
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
