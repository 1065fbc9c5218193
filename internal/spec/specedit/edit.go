package specedit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Paths are gjson paths: keys separated by dots, array elements by index
// (process.args.0), -1 to append when setting (process.args.-1), and
// dots, wildcards or a leading digit inside a key escaped with a
// backslash (annotations.org\.example\.key). Get takes the whole gjson
// query syntax; the edits take plain paths only.

// ValueType says how an edit takes a VALUE argument.
type ValueType int

const (
	// TypeAuto takes VALUE as JSON when it is valid JSON (false, 3,
	// ["a"], {"x":1}) and as a string otherwise.
	TypeAuto ValueType = iota
	// TypeJSON takes VALUE as JSON, and refuses it when it is not.
	TypeJSON
	// TypeString stores VALUE as a string in any case (3 gives "3").
	TypeString
)

var (
	errNotObject = errors.New("top level is not a JSON object")
	errNotFound  = errors.New("not found")
)

// CheckDoc returns an error unless doc is one valid JSON object: not
// null, not an array, no trailing text after it.
func CheckDoc(doc []byte) error {
	var v json.RawMessage
	if err := json.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if r := gjson.ParseBytes(v); !r.IsObject() {
		return fmt.Errorf("top level is %s, not an object", typeName(r))
	}
	return nil
}

// RawValue returns value as JSON text according to t.
func RawValue(value string, t ValueType) (string, error) {
	switch {
	case !utf8.ValidString(value):
		// JSON text is Unicode; encoding would replace the bad
		// bytes, storing something else than what was given.
		return "", fmt.Errorf("value %q: not valid UTF-8", value)
	case t == TypeString:
		return quote(value), nil
	case json.Valid([]byte(value)):
		return strings.TrimSpace(value), nil
	case t == TypeJSON:
		var v json.RawMessage
		err := json.Unmarshal([]byte(value), &v)
		return "", fmt.Errorf("value %q is not valid JSON: %w", value, err)
	}
	return quote(value), nil
}

// Get returns the value at path, which may use the whole gjson query
// syntax (mounts.#.destination, process.env.#(%"PATH=*"), @pretty): a
// string bare, anything else as its JSON text. A missing path is an
// error.
func Get(doc []byte, path string) (string, error) {
	if err := CheckDoc(doc); err != nil {
		return "", err
	}
	r := gjson.GetBytes(doc, path)
	if !r.Exists() {
		return "", fmt.Errorf("path %q: %w", path, errNotFound)
	}
	if r.Type == gjson.String {
		return r.Str, nil
	}
	return r.Raw, nil
}

// Set stores value at path, creating missing objects on the way (and an
// array for a missing component 0 or -1). The value is taken as JSON when
// it is valid JSON and as a string otherwise; forceString stores it as a
// string in any case (so `--string 3` gives "3").
func Set(doc []byte, path, value string, forceString bool) ([]byte, error) {
	t := TypeAuto
	if forceString {
		t = TypeString
	}
	return SetAs(doc, path, value, t)
}

// SetAs stores value, taken as t says, at path.
func SetAs(doc []byte, path, value string, t ValueType) ([]byte, error) {
	raw, err := RawValue(value, t)
	if err != nil {
		return nil, fmt.Errorf("set %q: %w", path, err)
	}
	return SetRaw(doc, path, []byte(raw))
}

// SetString stores s at path as a JSON string.
func SetString(doc []byte, path, s string) ([]byte, error) {
	return SetRaw(doc, path, []byte(quote(s)))
}

// SetRaw stores the JSON value raw at path. A component that runs into a
// string, number or boolean is an error rather than a silent replacement
// (hostname.x when hostname is a string); a null on the way counts as
// missing. An array index may be at most the array's length (the length
// or -1 appends), so no nulls are made up to fill a gap.
func SetRaw(doc []byte, path string, raw []byte) ([]byte, error) {
	return edit(doc, path, func(t *text, comps []comp) error {
		if !json.Valid(raw) {
			return fmt.Errorf("value %q is not valid JSON", raw)
		}
		return t.set(comps, string(raw))
	})
}

// Append adds value, taken as t says, to the end of the array at path,
// making the array when path is missing or null. A path that holds
// anything else is an error.
func Append(doc []byte, path, value string, t ValueType) ([]byte, error) {
	raw, err := RawValue(value, t)
	if err != nil {
		return nil, fmt.Errorf("append %q: %w", path, err)
	}
	return AppendRaw(doc, path, []byte(raw))
}

// AppendRaw adds the JSON value raw to the end of the array at path, as
// Append does.
func AppendRaw(doc []byte, path string, raw []byte) ([]byte, error) {
	return edit(doc, path, func(t *text, comps []comp) error {
		if !json.Valid(raw) {
			return fmt.Errorf("value %q is not valid JSON", raw)
		}
		if last := comps[len(comps)-1]; last.isIndex && last.index == -1 {
			return errors.New("-1 names no array to append to; give the array's path")
		}
		c, ms, at, err := t.lookup(comps)
		switch {
		case errors.Is(err, errNotFound):
		case err != nil:
			return err
		case ms[at].val.Type == gjson.Null:
			return t.replace(c, ms[at], "["+string(raw)+"]")
		case !ms[at].val.IsArray():
			return fmt.Errorf("holds %s, not an array", typeName(ms[at].val))
		}
		return t.set(append(comps, comp{key: "-1", index: -1, isIndex: true}), string(raw))
	})
}

// Delete removes the value at path. A missing path is an error, so a typo
// does not pass silently.
func Delete(doc []byte, path string) ([]byte, error) {
	return edit(doc, path, func(t *text, comps []comp) error {
		if last := comps[len(comps)-1]; last.isIndex && last.index == -1 {
			return errors.New("-1 names no element; give the index")
		}
		c, ms, at, err := t.lookup(comps)
		if err != nil {
			return err
		}
		t.remove(c, ms, at)
		return nil
	})
}

// edit checks doc, parses path and runs op on the text, checking that
// the result is still one JSON object. Errors name the path.
func edit(doc []byte, path string, op func(*text, []comp) error) ([]byte, error) {
	t, err := newText(doc)
	if err != nil {
		return nil, err
	}
	comps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	if err := op(t, comps); err != nil {
		return nil, fmt.Errorf("path %q: %w", path, err)
	}
	out := []byte(t.s)
	// The splices are checked here rather than trusted: a result that is
	// not a document must never reach the file.
	if err := CheckDoc(out); err != nil {
		return nil, fmt.Errorf("path %q: result: %w", path, err)
	}
	return out, nil
}

// set stores raw at comps, creating what is missing.
func (t *text) set(comps []comp, raw string) error {
	cur, err := t.root()
	if err != nil {
		return err
	}
	for i, c := range comps {
		ms, err := t.members(cur)
		if err != nil {
			return err
		}
		var at int
		switch {
		case cur.IsObject():
			if at, err = find(ms, c.key); err != nil {
				return fmt.Errorf("%s: %w", where(comps[:i]), err)
			}
			if at < 0 {
				nested, err := build(comps[i+1:], raw)
				if err != nil {
					return err
				}
				return t.insert(cur, ms, c.key, nested)
			}
		case cur.IsArray():
			if !c.isIndex {
				return fmt.Errorf("%s is an array, and %q is not an index", where(comps[:i]), c.key)
			}
			at = c.index
			if at == -1 || at == len(ms) {
				nested, err := build(comps[i+1:], raw)
				if err != nil {
					return err
				}
				return t.insert(cur, ms, "", nested)
			}
			if at > len(ms) {
				return fmt.Errorf("index %d is past the end of %s (%d elements; -1 appends)", at, where(comps[:i]), len(ms))
			}
		default:
			return fmt.Errorf("%s holds %s, which has no member %q", where(comps[:i]), typeName(cur), c.key)
		}
		m := ms[at]
		if i == len(comps)-1 {
			return t.replace(cur, m, raw)
		}
		if m.val.Type == gjson.Null {
			nested, err := build(comps[i+1:], raw)
			if err != nil {
				return err
			}
			return t.replace(cur, m, nested)
		}
		cur = m.val
	}
	return nil
}

// lookup finds the value at comps: its container, the container's
// members and its index among them. A missing value is errNotFound.
func (t *text) lookup(comps []comp) (gjson.Result, []member, int, error) {
	cur, err := t.root()
	if err != nil {
		return cur, nil, 0, err
	}
	for i, c := range comps {
		ms, err := t.members(cur)
		if err != nil {
			return cur, nil, 0, err
		}
		at := -1
		switch {
		case cur.IsObject():
			if at, err = find(ms, c.key); err != nil {
				return cur, nil, 0, fmt.Errorf("%s: %w", where(comps[:i]), err)
			}
		case cur.IsArray():
			if !c.isIndex {
				return cur, nil, 0, fmt.Errorf("%s is an array, and %q is not an index", where(comps[:i]), c.key)
			}
			if c.index >= 0 && c.index < len(ms) {
				at = c.index
			}
		default:
			return cur, nil, 0, fmt.Errorf("%s holds %s, which has no member %q", where(comps[:i]), typeName(cur), c.key)
		}
		if at < 0 {
			return cur, nil, 0, errNotFound
		}
		if i == len(comps)-1 {
			return cur, ms, at, nil
		}
		cur = ms[at].val
	}
	return cur, nil, 0, errNotFound
}

// build returns the JSON text holding raw at the path rest below a
// member being made: objects for keys, a one-element array for index 0
// or -1.
func build(rest []comp, raw string) (string, error) {
	v := raw
	for i := len(rest) - 1; i >= 0; i-- {
		c := rest[i]
		if c.isIndex {
			if c.index != 0 && c.index != -1 {
				return "", fmt.Errorf("index %d of an array that does not exist yet (0 or -1 starts it)", c.index)
			}
			v = "[" + v + "]"
			continue
		}
		v = "{" + quote(c.key) + ":" + v + "}"
	}
	return v, nil
}
