package specedit

import (
	"encoding/json"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
)

// rootlessEdit converts a spec with spec.ToRootless, the conversion
// `oci-spec --rootless` applies to a new one, so both mean the same. The
// conversion runs on a decoded copy; only the fields it changed are
// written back into the text, each by its own path edit, so the rest of
// the document (and any field the Go types do not know) stays as it was.
func rootlessEdit(on bool, uid, gid uint32) (Edit, error) {
	if !on {
		return nil, nil
	}
	return func(doc []byte) ([]byte, error) {
		var before, after specs.Spec
		if err := json.Unmarshal(doc, &before); err != nil {
			return nil, fmt.Errorf("--rootless: %w", err)
		}
		if err := json.Unmarshal(doc, &after); err != nil {
			return nil, fmt.Errorf("--rootless: %w", err)
		}
		spec.ToRootless(&after, uid, gid)
		return writeRootless(doc, &before, &after)
	}, nil
}

// writeRootless writes what ToRootless changed between before and after
// into doc: the fields it touches are the namespaces, the ID mappings,
// linux.resources and the mounts.
func writeRootless(doc []byte, before, after *specs.Spec) ([]byte, error) {
	var err error
	var bl specs.Linux
	if before.Linux != nil {
		bl = *before.Linux
	}
	al := *after.Linux
	if !reflect.DeepEqual(bl.Namespaces, al.Namespaces) {
		if doc, err = syncArray(doc, "linux.namespaces", bl.Namespaces, al.Namespaces); err != nil {
			return nil, err
		}
	}
	if !reflect.DeepEqual(bl.UIDMappings, al.UIDMappings) {
		if doc, err = setJSON(doc, "linux.uidMappings", al.UIDMappings); err != nil {
			return nil, err
		}
	}
	if !reflect.DeepEqual(bl.GIDMappings, al.GIDMappings) {
		if doc, err = setJSON(doc, "linux.gidMappings", al.GIDMappings); err != nil {
			return nil, err
		}
	}
	if bl.Resources != nil && al.Resources == nil {
		if doc, err = Delete(doc, "linux.resources"); err != nil {
			return nil, err
		}
	}
	if len(before.Mounts) != len(after.Mounts) {
		return setJSON(doc, "mounts", after.Mounts)
	}
	for i := range after.Mounts {
		if doc, err = syncMount(doc, i, &before.Mounts[i], &after.Mounts[i]); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// syncArray makes the array at p hold after: by appending when before is
// a prefix of it (the user namespace ToRootless adds), else by replacing
// it whole.
func syncArray[T any](doc []byte, p string, before, after []T) ([]byte, error) {
	if len(after) < len(before) || !reflect.DeepEqual(before, after[:len(before)]) {
		return setJSON(doc, p, after)
	}
	var err error
	for _, v := range after[len(before):] {
		if doc, err = appendJSON(doc, p, v); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// syncMount writes the fields of mount i that differ between b and a, so a
// mount's unknown keys and untouched fields stay.
func syncMount(doc []byte, i int, b, a *specs.Mount) ([]byte, error) {
	p := fmt.Sprintf("mounts.%d.", i)
	var err error
	for _, f := range []struct {
		key    string
		bv, av string
	}{{"type", b.Type, a.Type}, {"source", b.Source, a.Source}, {"destination", b.Destination, a.Destination}} {
		if f.bv != f.av {
			if doc, err = setJSON(doc, p+f.key, f.av); err != nil {
				return nil, err
			}
		}
	}
	if reflect.DeepEqual(b.Options, a.Options) {
		return doc, nil
	}
	if a.Options == nil {
		// Every option went (a bare "gid=5", say): an empty list
		// says the same as none and keeps the key where it was.
		return setJSON(doc, p+"options", []string{})
	}
	return setJSON(doc, p+"options", a.Options)
}
