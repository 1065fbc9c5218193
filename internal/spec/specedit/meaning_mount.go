package specedit

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// mountEntry is a mount as config.json writes it, in the runtime-spec's
// key order.
type mountEntry struct {
	Destination string   `json:"destination"`
	Type        string   `json:"type,omitempty"`
	Source      string   `json:"source,omitempty"`
	Options     []string `json:"options,omitempty"`
}

// parseMount parses the value of --mount: comma-separated KEY=VALUE
// fields, with the keys
//
//	type                       the filesystem type (default bind)
//	source, src                what to mount (default: the type, as for
//	                           tmpfs, proc; required for bind)
//	destination, dst, target   the absolute path in the container
//	options                    the mount options; it comes last and takes
//	                           the rest of the value, commas included:
//	                           options=ro,nosuid,mode=755
//
// A bind mount gets "rbind" unless its options already hold "bind" or
// "rbind": the runtime-spec has no bind type of its own, and it is the
// option that makes the mount a bind mount; recursive is what docker and
// podman give by default.
func parseMount(s string) (mountEntry, error) {
	var m mountEntry
	bad := func(format string, a ...any) error {
		return fmt.Errorf("--mount %q: %s", s, fmt.Sprintf(format, a...))
	}
	seen := map[string]bool{}
	rest := s
	for rest != "" {
		var field string
		field, rest, _ = strings.Cut(rest, ",")
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return m, bad("field %q is not KEY=VALUE", field)
		}
		key := k
		switch k {
		case "src":
			key = "source"
		case "dst", "target":
			key = "destination"
		}
		if seen[key] {
			return m, bad("%s given twice", key)
		}
		seen[key] = true
		switch key {
		case "type":
			m.Type = v
		case "source":
			m.Source = v
		case "destination":
			m.Destination = v
		case "options":
			// Options take the rest of the value: "mode=755" and
			// its commas belong to them.
			if rest != "" {
				v += "," + rest
				rest = ""
			}
			for _, o := range strings.Split(v, ",") {
				if o == "" {
					return m, bad("empty mount option")
				}
				m.Options = append(m.Options, o)
			}
		default:
			return m, bad("unknown key %q (want type, source|src, destination|dst|target, options)", k)
		}
		if v == "" {
			return m, bad("empty %s", key)
		}
	}
	if m.Destination == "" {
		return m, bad("no destination")
	}
	// Mounts are made inside the container's root; a relative
	// destination has no defined meaning there (runtime-spec 1.1 made it
	// an error).
	if !path.IsAbs(m.Destination) {
		return m, bad("destination %q is not an absolute path", m.Destination)
	}
	if m.Type == "" {
		m.Type = "bind"
	}
	isBind := m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
	if isBind {
		if m.Source == "" {
			return m, bad("a bind mount needs a source")
		}
		if !slices.Contains(m.Options, "bind") && !slices.Contains(m.Options, "rbind") {
			m.Options = append([]string{"rbind"}, m.Options...)
		}
	} else if m.Source == "" {
		m.Source = m.Type
	}
	return m, nil
}

// mountIndexes returns the indexes of the mounts at dst, compared as
// cleaned paths so "/data/" finds "/data".
func mountIndexes(doc []byte, dst string) ([]int, error) {
	mounts, ok, err := arrayAt(doc, "mounts")
	if err != nil || !ok {
		return nil, err
	}
	var idx []int
	for i, m := range mounts.Array() {
		if d := m.Get("destination").String(); d != "" && path.Clean(d) == path.Clean(dst) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// mountEdit adds each mount, or replaces the mount already at its
// destination in place: mounts are made in order, and a mount keeps the
// place it had among those below and above it.
func mountEdit(vals []string) (Edit, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	var ms []mountEntry
	for _, v := range vals {
		m, err := parseMount(v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return func(doc []byte) ([]byte, error) {
		for _, m := range ms {
			idx, err := mountIndexes(doc, m.Destination)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				doc, err = appendJSON(doc, "mounts", m)
			} else if doc, err = deleteIndexes(doc, "mounts", idx[1:]); err == nil {
				doc, err = setJSON(doc, fmt.Sprintf("mounts.%d", idx[0]), m)
			}
			if err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}

// unmountEdit removes every mount at each destination; a destination with
// no mount is an error, so a typo does not pass silently.
func unmountEdit(dsts []string) (Edit, error) {
	if len(dsts) == 0 {
		return nil, nil
	}
	for _, d := range dsts {
		if !path.IsAbs(d) {
			return nil, fmt.Errorf("--unmount %q: not an absolute path", d)
		}
	}
	return func(doc []byte) ([]byte, error) {
		for _, d := range dsts {
			idx, err := mountIndexes(doc, d)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				return nil, fmt.Errorf("--unmount %q: no mount at that destination", d)
			}
			if doc, err = deleteIndexes(doc, "mounts", idx); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}, nil
}
