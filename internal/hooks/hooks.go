package hooks

import (
	"errors"
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Kind names a point of the container's lifecycle where hooks run.
type Kind string

// The kinds of hooks, as config.json names them.
const (
	Prestart        Kind = "prestart" // deprecated: runs with createRuntime
	CreateRuntime   Kind = "createRuntime"
	CreateContainer Kind = "createContainer"
	StartContainer  Kind = "startContainer"
	Poststart       Kind = "poststart"
	Poststop        Kind = "poststop"
)

// Kinds returns every kind, in the order a container's life runs them.
func Kinds() []Kind {
	return []Kind{Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop}
}

// Of returns the hooks of kind k in s; nil when there are none.
func Of(s *specs.Spec, k Kind) []specs.Hook {
	if s == nil || s.Hooks == nil {
		return nil
	}
	h := s.Hooks
	switch k {
	case Prestart:
		return h.Prestart //nolint:staticcheck // deprecated, still run
	case CreateRuntime:
		return h.CreateRuntime
	case CreateContainer:
		return h.CreateContainer
	case StartContainer:
		return h.StartContainer
	case Poststart:
		return h.Poststart
	case Poststop:
		return h.Poststop
	}
	return nil
}

// Any reports whether s has at least one hook of any of the kinds.
func Any(s *specs.Spec, kinds ...Kind) bool {
	for _, k := range kinds {
		if len(Of(s, k)) > 0 {
			return true
		}
	}
	return false
}

// Validate checks every hook of s: an absolute path, and a timeout, when
// there is one, greater than zero. It reports every problem, each naming
// its field by JSON path. The runtime checks this before it makes
// anything, so a bad poststop hook is not found only at delete.
func Validate(s *specs.Spec) error {
	var errs []error
	for _, k := range Kinds() {
		for i, h := range Of(s, k) {
			field := fmt.Sprintf("hooks.%s[%d]", k, i)
			switch {
			case h.Path == "":
				errs = append(errs, fmt.Errorf("%s.path: required", field))
			case !filepath.IsAbs(h.Path):
				errs = append(errs, fmt.Errorf("%s.path: %q is not an absolute path", field, h.Path))
			}
			if h.Timeout != nil && *h.Timeout <= 0 {
				errs = append(errs, fmt.Errorf("%s.timeout: must be greater than zero, not %d", field, *h.Timeout))
			}
		}
	}
	return errors.Join(errs...)
}

// Name is how messages name the hook at index i of kind k:
// "prestart[0]", the place of its entry in config.json.
func Name(k Kind, i int) string { return fmt.Sprintf("%s[%d]", k, i) }
