package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// Load reads and validates the config.json at path. Every error names the
// path.
func Load(path string) (*specs.Spec, error) {
	s, _, err := LoadRaw(path)
	return s, err
}

// LoadRaw is Load that also returns the file's text, so that a copy of the
// config can be kept as it was read instead of encoding the spec again.
func LoadRaw(path string) (*specs.Spec, []byte, error) {
	data, err := fsutil.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named already
		}
		return nil, nil, fmt.Errorf("config %q: %w", path, err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("config %q: %w", path, err)
	}
	return s, data, nil
}

// Parse decodes and validates a config.json document, as create does: the
// errors of Check (the document's shape against the runtime-spec types,
// then every rule of Problems), as one error, so that create refuses
// exactly what oci-spec validate calls an error, with the same messages.
// Warnings are not reported here.
//
// The document must be exactly one JSON object: runc silently accepts
// `null` (an empty spec) and ignores anything after the first value, which
// hides truncated or concatenated files. Unknown fields are accepted so
// that configs written for newer runtimes still load.
func Parse(data []byte) (*specs.Spec, error) {
	s, ps := Check(data, Options{})
	if err := problemsError(ps); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("config does not decode")
	}
	return s, nil
}

// typeError is a JSON value of the wrong type for its field.
type typeError struct{ err error }

func (e *typeError) Error() string { return e.err.Error() }
func (e *typeError) Unwrap() error { return e.err }

// decode decodes exactly one JSON object into a spec.
func decode(data []byte) (*specs.Spec, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("config is empty")
	case bytes.Equal(trimmed, []byte("null")):
		return nil, errors.New("config is null")
	case trimmed[0] != '{':
		return nil, errors.New("config is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var s specs.Spec
	if err := dec.Decode(&s); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			err = &typeError{err}
		}
		return nil, fmt.Errorf("decode config: %w", err)
	}
	// Anything but the end of input after the object is an error, whether
	// it is a second value or garbage.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode config: trailing data after the config object at offset %d", dec.InputOffset())
	}
	return &s, nil
}

// Marshal encodes s as runc does: tab-indented, with a trailing newline.
func Marshal(s *specs.Spec) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return append(b, '\n'), nil
}
