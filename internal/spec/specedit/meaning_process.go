package specedit

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// envIndexes returns the indexes in process.env of the entries setting
// key ("KEY=..." or a bare "KEY").
func envIndexes(doc []byte, key string) ([]int, error) {
	env, ok, err := arrayAt(doc, "process.env")
	if err != nil || !ok {
		return nil, err
	}
	var idx []int
	for i, e := range env.Array() {
		if k, _, _ := strings.Cut(e.String(), "="); k == key {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

func checkEnvKey(flag, k string) error {
	if k == "" || strings.ContainsAny(k, "=\x00") {
		return fmt.Errorf("%s %q: want a variable name (not empty, no '=')", flag, k)
	}
	return nil
}

// unsetEnvEdit removes every entry of each key. A key that is not set is
// an error, so a misspelt name does not pass silently.
func unsetEnvEdit(keys []string) (Edit, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	for _, k := range keys {
		if err := checkEnvKey("--unset-env", k); err != nil {
			return nil, err
		}
	}
	return func(doc []byte) ([]byte, error) {
		for _, k := range keys {
			idx, err := envIndexes(doc, k)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				return nil, fmt.Errorf("--unset-env %q: not set in process.env", k)
			}
			if doc, err = deleteIndexes(doc, "process.env", idx); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// envEdit sets each KEY=VALUE: in place of the first entry of KEY (any
// later duplicate goes, since the one the process sees would otherwise
// depend on its libc), or at the end.
func envEdit(pairs []string) (Edit, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	for _, p := range pairs {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("--env %q: want KEY=VALUE", p)
		}
		if err := checkEnvKey("--env", k); err != nil {
			return nil, err
		}
		if strings.ContainsRune(p, 0) {
			return nil, fmt.Errorf("--env %q: NUL byte in value", p)
		}
	}
	return func(doc []byte) ([]byte, error) {
		for _, p := range pairs {
			k, _, _ := strings.Cut(p, "=")
			idx, err := envIndexes(doc, k)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				doc, err = appendJSON(doc, "process.env", p)
			} else if doc, err = deleteIndexes(doc, "process.env", idx[1:]); err == nil {
				doc, err = setJSON(doc, fmt.Sprintf("process.env.%d", idx[0]), p)
			}
			if err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

func cwdEdit(dir string) (Edit, error) {
	if dir == "" {
		return nil, nil
	}
	// The spec requires an absolute cwd: a relative one would resolve
	// against whatever directory the init happens to be in.
	if !path.IsAbs(dir) {
		return nil, fmt.Errorf("--cwd %q: not an absolute path", dir)
	}
	return func(doc []byte) ([]byte, error) { return setJSON(doc, "process.cwd", dir) }, nil
}

// parseID parses a numeric uid or gid. 4294967295 is (uid_t)-1, which
// setuid and the ID maps take as "no ID", so it is refused.
func parseID(flag, whole, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, fmt.Errorf("%s %q: %q is not a numeric ID below 4294967295 (names are not looked up: the runtime does not read the container's /etc/passwd)", flag, whole, s)
	}
	return uint32(n), nil
}

// userEdit sets process.user.uid and, when given, gid; without ":GID" the
// gid is left as it is.
func userEdit(s string) (Edit, error) {
	if s == "" {
		return nil, nil
	}
	us, gs, hasGID := strings.Cut(s, ":")
	uid, err := parseID("--user", s, us)
	if err != nil {
		return nil, err
	}
	var gid uint32
	if hasGID {
		if gid, err = parseID("--user", s, gs); err != nil {
			return nil, err
		}
	}
	return func(doc []byte) ([]byte, error) {
		doc, err := setJSON(doc, "process.user.uid", uid)
		if err == nil && hasGID {
			doc, err = setJSON(doc, "process.user.gid", gid)
		}
		return doc, err
	}, nil
}

// additionalGidsEdit replaces process.user.additionalGids with the gids
// given (each flag value may list several, comma-separated). A single
// empty value clears the list.
func additionalGidsEdit(vals []string) (Edit, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	gids := []uint32{}
	for _, v := range vals {
		if v == "" {
			continue
		}
		for _, g := range strings.Split(v, ",") {
			n, err := parseID("--additional-gids", v, g)
			if err != nil {
				return nil, err
			}
			gids = append(gids, n)
		}
	}
	return func(doc []byte) ([]byte, error) {
		return setJSON(doc, "process.user.additionalGids", gids)
	}, nil
}

// hostnameEdit sets hostname. The kernel takes at most 64 bytes
// (HOST_NAME_MAX); sethostname would fail at create otherwise.
func hostnameEdit(name *string) (Edit, error) {
	if name == nil {
		return nil, nil
	}
	h := *name
	if len(h) > 64 || strings.ContainsFunc(h, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("--hostname %q: want at most 64 bytes, no spaces or control characters", h)
	}
	return func(doc []byte) ([]byte, error) { return setJSON(doc, "hostname", h) }, nil
}
