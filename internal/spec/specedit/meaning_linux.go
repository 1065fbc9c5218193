package specedit

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// namespaceTypes are the runtime-spec's namespace types, with the short
// names of unshare(1) and /proc/PID/ns ("net", "mnt") as aliases.
var namespaceTypes = map[string]string{
	"pid": "pid", "network": "network", "net": "network", "mount": "mount",
	"mnt": "mount", "ipc": "ipc", "uts": "uts", "user": "user",
	"cgroup": "cgroup", "time": "time",
}

func parseNamespaceType(flag, whole, t string) (string, error) {
	n, ok := namespaceTypes[strings.ToLower(t)]
	if !ok {
		return "", fmt.Errorf("%s %q: unknown namespace type %q (want pid, network, mount, ipc, uts, user, cgroup or time)", flag, whole, t)
	}
	return n, nil
}

// namespaceIndexes returns the indexes of the entries of type t in
// linux.namespaces.
func namespaceIndexes(doc []byte, t string) ([]int, error) {
	nss, ok, err := arrayAt(doc, "linux.namespaces")
	if err != nil || !ok {
		return nil, err
	}
	var idx []int
	for i, ns := range nss.Array() {
		if ns.Get("type").String() == t {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// namespaceEntry is one element of linux.namespaces.
type namespaceEntry struct {
	Type string `json:"type"`
	Path string `json:"path,omitempty"`
}

// namespaceEdit adds a namespace of each TYPE[=PATH], or sets the path of
// the one already there. Without a path the container gets a new
// namespace, so an existing path is removed.
func namespaceEdit(vals []string) (Edit, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	var nss []namespaceEntry
	for _, v := range vals {
		t, p, hasPath := strings.Cut(v, "=")
		nt, err := parseNamespaceType("--namespace", v, t)
		if err != nil {
			return nil, err
		}
		// The runtime opens the path from its own mount namespace, not
		// from any working directory the user had in mind.
		if hasPath && !path.IsAbs(p) {
			return nil, fmt.Errorf("--namespace %q: path %q is not absolute", v, p)
		}
		nss = append(nss, namespaceEntry{Type: nt, Path: p})
	}
	return func(doc []byte) ([]byte, error) {
		for _, ns := range nss {
			idx, err := namespaceIndexes(doc, ns.Type)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				doc, err = appendJSON(doc, "linux.namespaces", ns)
			} else if doc, err = deleteIndexes(doc, "linux.namespaces", idx[1:]); err == nil {
				doc, err = setNamespacePath(doc, idx[0], ns.Path)
			}
			if err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// setNamespacePath sets, or removes when p is empty, the path of the
// namespace at index i, leaving its other keys alone.
func setNamespacePath(doc []byte, i int, p string) ([]byte, error) {
	key := fmt.Sprintf("linux.namespaces.%d.path", i)
	if p != "" {
		return setJSON(doc, key, p)
	}
	if _, err := Get(doc, key); err != nil {
		return doc, nil // no path: nothing to remove
	}
	return Delete(doc, key)
}

// noNamespaceEdit removes the namespace of each type; a type the spec
// does not have is an error.
func noNamespaceEdit(vals []string) (Edit, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	var types []string
	for _, v := range vals {
		t, err := parseNamespaceType("--no-namespace", v, v)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	return func(doc []byte) ([]byte, error) {
		for i, t := range types {
			idx, err := namespaceIndexes(doc, t)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				return nil, fmt.Errorf("--no-namespace %q: no %s namespace in linux.namespaces", vals[i], t)
			}
			if doc, err = deleteIndexes(doc, "linux.namespaces", idx); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// rlimitNames are the resource limits of Linux (getrlimit(2)).
var rlimitNames = []string{
	"AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE",
	"NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK",
}

// rlimitEntry is one element of process.rlimits.
type rlimitEntry struct {
	Type string `json:"type"`
	Hard uint64 `json:"hard"`
	Soft uint64 `json:"soft"`
}

// parseRlimitValue parses a limit: a number, or "unlimited"
// (RLIM_INFINITY, the largest uint64).
func parseRlimitValue(whole, s string) (uint64, error) {
	if s == "unlimited" || s == "infinity" {
		return ^uint64(0), nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("--rlimit %q: limit %q is not a number or \"unlimited\"", whole, s)
	}
	return n, nil
}

// parseRlimit parses TYPE=SOFT[:HARD]; TYPE is NOFILE, nofile or
// RLIMIT_NOFILE, and HARD defaults to SOFT.
func parseRlimit(s string) (rlimitEntry, error) {
	t, v, ok := strings.Cut(s, "=")
	if !ok {
		return rlimitEntry{}, fmt.Errorf("--rlimit %q: want TYPE=SOFT[:HARD]", s)
	}
	name := strings.TrimPrefix(strings.ToUpper(t), "RLIMIT_")
	known := false
	for _, n := range rlimitNames {
		known = known || n == name
	}
	if !known {
		return rlimitEntry{}, fmt.Errorf("--rlimit %q: unknown resource %q (want one of %s)", s, t, strings.Join(rlimitNames, ", "))
	}
	softS, hardS, hasHard := strings.Cut(v, ":")
	soft, err := parseRlimitValue(s, softS)
	if err != nil {
		return rlimitEntry{}, err
	}
	hard := soft
	if hasHard {
		if hard, err = parseRlimitValue(s, hardS); err != nil {
			return rlimitEntry{}, err
		}
	}
	// setrlimit fails with EINVAL when soft exceeds hard; say so now
	// rather than at create.
	if soft > hard {
		return rlimitEntry{}, fmt.Errorf("--rlimit %q: soft limit above the hard limit", s)
	}
	return rlimitEntry{Type: "RLIMIT_" + name, Hard: hard, Soft: soft}, nil
}

// rlimitsEdit sets each rlimit, in place of the entry of its type if there
// is one.
func rlimitsEdit(vals []string) (Edit, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	var rls []rlimitEntry
	for _, v := range vals {
		rl, err := parseRlimit(v)
		if err != nil {
			return nil, err
		}
		rls = append(rls, rl)
	}
	return func(doc []byte) ([]byte, error) {
		for _, rl := range rls {
			arr, _, err := arrayAt(doc, "process.rlimits")
			if err != nil {
				return nil, err
			}
			var idx []int
			for i, e := range arr.Array() {
				if strings.EqualFold(e.Get("type").String(), rl.Type) {
					idx = append(idx, i)
				}
			}
			if len(idx) == 0 {
				doc, err = appendJSON(doc, "process.rlimits", rl)
			} else if doc, err = deleteIndexes(doc, "process.rlimits", idx[1:]); err == nil {
				p := fmt.Sprintf("process.rlimits.%d.", idx[0])
				if doc, err = setJSON(doc, p+"hard", rl.Hard); err == nil {
					doc, err = setJSON(doc, p+"soft", rl.Soft)
				}
			}
			if err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// checkSysctlKey accepts the two spellings of a sysctl, net.ipv4.ip_forward
// and net/ipv4/ip_forward (an interface name with a dot, eth0.100, in the
// second). Every component must be non-empty: the key becomes a path under
// /proc/sys, and "net/../x" must not climb out of it.
func checkSysctlKey(k string) error {
	if strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' }) {
		return fmt.Errorf("spaces or control characters in the key")
	}
	for _, part := range strings.Split(strings.ReplaceAll(k, "/", "."), ".") {
		if part == "" {
			return fmt.Errorf("empty component in the key")
		}
	}
	return nil
}

// mapEdit sets KEY=VALUE pairs in the string map at obj (linux.sysctl,
// annotations), each key escaped so its dots do not make a path. check,
// when not nil, vets each key.
func mapEdit(flag, obj string, pairs []string, check func(string) error) (Edit, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	type kv struct{ k, v string }
	var kvs []kv
	for _, p := range pairs {
		k, v, err := splitKV(flag, p)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(k); err != nil {
				return nil, fmt.Errorf("%s %q: %w", flag, p, err)
			}
		}
		kvs = append(kvs, kv{k, v})
	}
	return func(doc []byte) ([]byte, error) {
		if _, _, err := objectAt(doc, obj); err != nil {
			return nil, err
		}
		var err error
		for _, p := range kvs {
			if doc, err = setJSON(doc, obj+"."+escapeKey(p.k), p.v); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}
