package specedit

import (
	"encoding/json"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/tidwall/gjson"

	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/subid"
)

// rootlessEdit converts a spec with spec.ToRootless, or with
// spec.ToRootlessSubIDs when the user has subordinate ranges, the
// conversion `oci-spec --rootless [--subids]` applies to a new one, so
// both mean the same.
func rootlessEdit(on bool, uid, gid uint32, subuids, subgids []subid.Range) (Edit, error) {
	if !on {
		if subuids != nil || subgids != nil {
			return nil, fmt.Errorf("--subids needs --rootless")
		}
		return nil, nil
	}
	return convertEdit("--rootless", func(s *specs.Spec) error {
		if subuids != nil || subgids != nil {
			spec.ToRootlessSubIDs(s, uid, gid, subuids, subgids)
		} else {
			spec.ToRootless(s, uid, gid)
		}
		return nil
	}), nil
}

// userNSEdit converts a spec with spec.ToUserNSAuto, as `oci-spec --userns`
// does a new one. The value is checked here, so a bad one names the flag
// before any file is read.
func userNSEdit(value string, rootless bool) (Edit, error) {
	if value == "" {
		return nil, nil
	}
	if rootless {
		// --rootless maps the caller's own IDs; auto asks a root
		// runtime to pick host IDs from its pool.
		return nil, fmt.Errorf("--userns and --rootless contradict each other")
	}
	if _, err := spec.ParseUserNS(value); err != nil {
		return nil, fmt.Errorf("--userns: %w", err)
	}
	return convertEdit("--userns", func(s *specs.Spec) error { return spec.ToUserNSAuto(s, value) }), nil
}

// convertEdit runs a whole-spec conversion on a decoded copy; only the
// fields it changed are written back into the text, each by its own path
// edit, so the rest of the document (and any field the Go types do not
// know) stays as it was.
func convertEdit(flag string, convert func(*specs.Spec) error) Edit {
	return func(doc []byte) ([]byte, error) {
		var before, after specs.Spec
		if err := json.Unmarshal(doc, &before); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		if err := json.Unmarshal(doc, &after); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		if err := convert(&after); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		return writeConverted(doc, &before, &after)
	}
}

// writeConverted writes what a conversion changed between before and
// after into doc: the fields ToRootless and ToUserNSAuto touch are the
// namespaces, the ID mappings, linux.resources, the masked and read-only
// paths, the annotations, the capabilities and the mounts.
func writeConverted(doc []byte, before, after *specs.Spec) ([]byte, error) {
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
	for _, f := range []struct {
		path   string
		bv, av any
		gone   bool
	}{
		{"linux.uidMappings", bl.UIDMappings, al.UIDMappings, al.UIDMappings == nil},
		{"linux.gidMappings", bl.GIDMappings, al.GIDMappings, al.GIDMappings == nil},
		{"linux.maskedPaths", bl.MaskedPaths, al.MaskedPaths, al.MaskedPaths == nil},
		{"linux.readonlyPaths", bl.ReadonlyPaths, al.ReadonlyPaths, al.ReadonlyPaths == nil},
	} {
		if doc, err = syncValue(doc, f.path, f.bv, f.av, f.gone); err != nil {
			return nil, err
		}
	}
	if bl.Resources != nil && al.Resources == nil {
		if doc, err = Delete(doc, "linux.resources"); err != nil {
			return nil, err
		}
	}
	for k, v := range after.Annotations {
		if bv, ok := before.Annotations[k]; !ok || bv != v {
			if doc, err = setJSON(doc, "annotations."+escapeKey(k), v); err != nil {
				return nil, err
			}
		}
	}
	if bp, ap := before.Process, after.Process; ap != nil && ap.Capabilities != nil {
		var bc specs.LinuxCapabilities
		if bp != nil && bp.Capabilities != nil {
			bc = *bp.Capabilities
		}
		ac := ap.Capabilities
		for _, f := range []struct {
			set    string
			bv, av []string
		}{{"bounding", bc.Bounding, ac.Bounding}, {"effective", bc.Effective, ac.Effective}, {"permitted", bc.Permitted, ac.Permitted}} {
			if doc, err = syncValue(doc, "process.capabilities."+f.set, f.bv, f.av, f.av == nil); err != nil {
				return nil, err
			}
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

// syncValue writes av at p when it differs from bv, or removes the key
// when gone (a conversion that emptied a list removes it, as the Go types
// would omit it).
func syncValue(doc []byte, p string, bv, av any, gone bool) ([]byte, error) {
	if reflect.DeepEqual(bv, av) {
		return doc, nil
	}
	if gone {
		if !gjson.GetBytes(doc, p).Exists() {
			return doc, nil
		}
		return Delete(doc, p)
	}
	return setJSON(doc, p, av)
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
