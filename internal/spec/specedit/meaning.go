package specedit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/ocikit/ocikit/internal/subid"
)

// Edit is one change to a config.json text: it takes the document and
// returns the changed document.
type Edit func(doc []byte) ([]byte, error)

// Changes are the edits by meaning of one `oci-spec edit` call: each field
// is the raw value of a flag, checked by Edit. Empty fields and nil
// pointers change nothing. Repeatable flags apply in the order given, and
// the groups apply in this fixed order, so that a removal and an addition
// of the same thing in one call replace it and an explicit flag wins over
// the --rootless conversion:
//
//  1. Rootless (with SubUIDs and SubGIDs), or UserNS
//  2. UnsetEnv, then Env
//  3. Cwd, User, AdditionalGids, Terminal
//  4. CapDrop, then CapAdd
//  5. Rlimits
//  6. Hostname, Readonly
//  7. Unmounts, then Mounts
//  8. NoNamespaces, then Namespaces
//  9. Sysctls, Annotations
//  10. Memory, CPUs, PidsLimit
type Changes struct {
	// Rootless converts the spec as spec.ToRootless does for a new one,
	// mapping container root to RootlessUID and RootlessGID.
	Rootless                 bool
	RootlessUID, RootlessGID uint32
	// SubUIDs and SubGIDs, with Rootless, map container IDs 1 and up
	// to the user's subordinate ranges (spec.ToRootlessSubIDs).
	SubUIDs, SubGIDs []subid.Range
	// UserNS converts the spec as spec.ToUserNSAuto does, with this
	// value of spec.AnnotationUserNS ("auto", "auto:size=N").
	UserNS string

	UnsetEnv       []string // KEY
	Env            []string // KEY=VALUE
	Cwd            string   // absolute directory
	User           string   // UID[:GID]
	AdditionalGids []string // GID (each may be a comma-separated list)
	Terminal       *bool

	CapDrop []string // capability name or ALL
	CapAdd  []string // capability name or ALL
	Rlimits []string // TYPE=SOFT[:HARD]

	Hostname *string
	Readonly *bool

	Unmounts []string // destination
	Mounts   []string // type=T,src=S,dst=D,options=O1,O2

	NoNamespaces []string // TYPE
	Namespaces   []string // TYPE[=PATH]

	Sysctls     []string // KEY=VALUE
	Annotations []string // KEY=VALUE

	Memory    string // bytes, 512m, 1g, unlimited
	CPUs      string // 1.5
	PidsLimit string // N, unlimited
}

// Edit checks every value and returns the edit making all the changes in
// the documented order. The error of a bad value names its flag.
func (c *Changes) Edit() (Edit, error) {
	var steps []Edit
	for _, build := range []func() (Edit, error){
		func() (Edit, error) {
			return rootlessEdit(c.Rootless, c.RootlessUID, c.RootlessGID, c.SubUIDs, c.SubGIDs)
		},
		func() (Edit, error) { return userNSEdit(c.UserNS, c.Rootless) },
		func() (Edit, error) { return unsetEnvEdit(c.UnsetEnv) },
		func() (Edit, error) { return envEdit(c.Env) },
		func() (Edit, error) { return cwdEdit(c.Cwd) },
		func() (Edit, error) { return userEdit(c.User) },
		func() (Edit, error) { return additionalGidsEdit(c.AdditionalGids) },
		func() (Edit, error) { return boolEdit("process.terminal", c.Terminal) },
		func() (Edit, error) { return capsEdit(c.CapDrop, c.CapAdd) },
		func() (Edit, error) { return rlimitsEdit(c.Rlimits) },
		func() (Edit, error) { return hostnameEdit(c.Hostname) },
		func() (Edit, error) { return boolEdit("root.readonly", c.Readonly) },
		func() (Edit, error) { return unmountEdit(c.Unmounts) },
		func() (Edit, error) { return mountEdit(c.Mounts) },
		func() (Edit, error) { return noNamespaceEdit(c.NoNamespaces) },
		func() (Edit, error) { return namespaceEdit(c.Namespaces) },
		func() (Edit, error) { return mapEdit("--sysctl", "linux.sysctl", c.Sysctls, checkSysctlKey) },
		func() (Edit, error) { return mapEdit("--annotation", "annotations", c.Annotations, nil) },
		func() (Edit, error) { return memoryEdit(c.Memory) },
		func() (Edit, error) { return cpusEdit(c.CPUs) },
		func() (Edit, error) { return pidsEdit(c.PidsLimit) },
	} {
		e, err := build()
		if err != nil {
			return nil, err
		}
		if e != nil {
			steps = append(steps, e)
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("no change given")
	}
	return Chain(steps...), nil
}

// Chain returns the edit applying edits in turn.
func Chain(edits ...Edit) Edit {
	return func(doc []byte) ([]byte, error) {
		var err error
		for _, e := range edits {
			if doc, err = e(doc); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
}

// SetArgs returns the edit setting process.args to args (oci-spec args).
func SetArgs(args []string) (Edit, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("args: need at least the program to run")
	}
	if args[0] == "" {
		return nil, fmt.Errorf("args: empty program name")
	}
	return func(doc []byte) ([]byte, error) {
		return setJSON(doc, "process.args", args)
	}, nil
}

// boolEdit sets path to *v; nil changes nothing.
func boolEdit(path string, v *bool) (Edit, error) {
	if v == nil {
		return nil, nil
	}
	b := *v
	return func(doc []byte) ([]byte, error) { return setJSON(doc, path, b) }, nil
}

// escapeKey escapes the characters that gjson paths give a meaning in
// a path, so that a map key taken from the user (a sysctl such as
// net.ipv4.ip_forward, an annotation such as org.opencontainers.x) names
// one key instead of a nested path or a query.
func escapeKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if strings.ContainsRune(`\.*?|#@!:`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// marshal is json.Marshal without HTML escaping: a value such as
// "A=<b>&c" stays readable in the file.
func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// setJSON stores v, marshalled, at path through SetRaw, so it gets the
// same checks and layout as every path edit.
func setJSON(doc []byte, path string, v any) ([]byte, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, fmt.Errorf("set %q: %w", path, err)
	}
	return SetRaw(doc, path, []byte(raw))
}

// arrayAt returns the array at path; ok is false when the path is
// missing (or null). A value of another type is an error: the edit would
// otherwise replace it silently.
func arrayAt(doc []byte, path string) (gjson.Result, bool, error) {
	r := gjson.GetBytes(doc, path)
	switch {
	case !r.Exists() || r.Type == gjson.Null:
		return r, false, nil
	case !r.IsArray():
		return r, false, fmt.Errorf("%s: not an array", path)
	}
	return r, true, nil
}

// objectAt is arrayAt for objects.
func objectAt(doc []byte, path string) (gjson.Result, bool, error) {
	r := gjson.GetBytes(doc, path)
	switch {
	case !r.Exists() || r.Type == gjson.Null:
		return r, false, nil
	case !r.IsObject():
		return r, false, fmt.Errorf("%s: not an object", path)
	}
	return r, true, nil
}

// appendJSON adds v, marshalled, at the end of the array at path through
// AppendRaw, which makes the array when it is missing.
func appendJSON(doc []byte, path string, v any) ([]byte, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, fmt.Errorf("append %q: %w", path, err)
	}
	return AppendRaw(doc, path, []byte(raw))
}

// deleteIndexes removes the elements at idx (ascending) from the array at
// path, last first so the earlier indexes stay valid.
func deleteIndexes(doc []byte, path string, idx []int) ([]byte, error) {
	var err error
	for i := len(idx) - 1; i >= 0; i-- {
		if doc, err = Delete(doc, fmt.Sprintf("%s.%d", path, idx[i])); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// splitKV splits a KEY=VALUE flag value; the key must not be empty.
func splitKV(flag, s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", fmt.Errorf("%s %q: want KEY=VALUE", flag, s)
	}
	return k, v, nil
}
