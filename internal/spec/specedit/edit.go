package specedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Paths are gjson/sjson paths: keys separated by dots, array elements by
// index (process.args.0), -1 to append when setting (process.args.-1), and
// dots or wildcards inside a key escaped with a backslash
// (annotations.org\.example\.key).
//
// Editing works on the document's text rather than on a decoded
// specs.Spec: the fields this runtime does not know survive, and the
// untouched parts of the file keep their order and formatting.

var errInvalidJSON = errors.New("not valid JSON")

// Get returns the value at path: a string bare, anything else as its raw
// JSON text. A missing path is an error.
func Get(doc []byte, path string) (string, error) {
	if !json.Valid(doc) {
		return "", errInvalidJSON
	}
	r := gjson.GetBytes(doc, path)
	if !r.Exists() {
		return "", fmt.Errorf("path %q: not found", path)
	}
	if r.Type == gjson.String {
		return r.Str, nil
	}
	return r.Raw, nil
}

// Set stores value at path, creating missing objects on the way. The value
// is taken as JSON when it is valid JSON (false, 3, ["a"], {"x":1}) and as a
// string otherwise; forceString stores it as a string in any case (so
// `--string 3` gives "3").
func Set(doc []byte, path, value string, forceString bool) ([]byte, error) {
	if !json.Valid(doc) {
		return nil, errInvalidJSON
	}
	if err := checkEditPath(path); err != nil {
		return nil, err
	}
	var out []byte
	var err error
	if !forceString && json.Valid([]byte(value)) {
		out, err = sjson.SetRawBytes(doc, path, []byte(value))
	} else {
		out, err = sjson.SetBytes(doc, path, value)
	}
	if err != nil {
		return nil, fmt.Errorf("set %q: %w", path, err)
	}
	// sjson splices text; check the splice produced a document (a path
	// through a scalar, for example, must not corrupt the file).
	if !json.Valid(out) {
		return nil, fmt.Errorf("set %q: result is not valid JSON", path)
	}
	return out, nil
}

// Delete removes the value at path. A missing path is an error, so a typo
// does not pass silently.
func Delete(doc []byte, path string) ([]byte, error) {
	if !json.Valid(doc) {
		return nil, errInvalidJSON
	}
	if err := checkEditPath(path); err != nil {
		return nil, err
	}
	if !gjson.GetBytes(doc, path).Exists() {
		return nil, fmt.Errorf("path %q: not found", path)
	}
	out, err := sjson.DeleteBytes(doc, path)
	if err != nil {
		return nil, fmt.Errorf("delete %q: %w", path, err)
	}
	if !json.Valid(out) {
		return nil, fmt.Errorf("delete %q: result is not valid JSON", path)
	}
	// A query path (process.args.#, a modifier) exists for gjson but
	// names nothing sjson can remove.
	if bytes.Equal(out, doc) {
		return nil, fmt.Errorf("delete %q: path cannot be deleted", path)
	}
	return out, nil
}

// checkEditPath rejects the gjson query syntax that sjson cannot edit:
// sjson silently leaves the document unchanged for a wildcard, a pipe, a
// modifier or a query, which would make `set` report success for an edit
// it did not make.
func checkEditPath(path string) error {
	if path == "" {
		return errors.New("empty path")
	}
	start := true // at the start of a component
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '\\':
			i++
			start = false
			continue
		case c == '.':
			if start {
				return fmt.Errorf("path %q: empty component", path)
			}
			start = true
			continue
		case c == '*' || c == '?' || c == '|' || c == '#' || (start && (c == '@' || c == '!')):
			return fmt.Errorf("path %q: %q is query syntax; escape it with a backslash to use it in a key", path, c)
		}
		start = false
	}
	if start {
		return fmt.Errorf("path %q: empty component", path)
	}
	return nil
}
