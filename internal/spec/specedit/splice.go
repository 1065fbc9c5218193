package specedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// The edits splice the document's text: gjson finds where each value
// starts and ends, and only the bytes of the value changed are replaced,
// so everything else keeps its order, whitespace and escapes byte for
// byte. New text (a value set, a member added) is indented like its
// neighbours when the document is indented, and compact when it is not.

// text is a document being edited, with the indentation unit its
// author used ("\t", "  ", or "" for a compact document).
type text struct {
	s    string
	unit string
}

// member is one member of an object or element of an array.
type member struct {
	key    string       // the object member's key, unescaped; "" in an array
	start  int          // offset of the key (object) or of the element (array)
	keyEnd int          // offset just past the key's closing quote
	val    gjson.Result // val.Index is the offset of val.Raw in the text
}

func (m member) end() int { return m.val.Index + len(m.val.Raw) }

const jsonSpace = " \t\r\n"

func newText(doc []byte) (*text, error) {
	if err := CheckDoc(doc); err != nil {
		return nil, err
	}
	t := &text{s: string(doc)}
	root, err := t.root()
	if err != nil {
		return nil, err
	}
	if ms, err := t.members(root); err == nil && len(ms) > 0 {
		ws := t.spaceBefore(ms[0].start)
		if i := strings.LastIndexByte(ws, '\n'); i >= 0 {
			t.unit = strings.TrimPrefix(ws[i+1:], t.lineIndent(root.Index))
		}
	}
	return t, nil
}

// root returns the top-level object with its offset.
func (t *text) root() (gjson.Result, error) {
	start := len(t.s) - len(strings.TrimLeft(t.s, jsonSpace))
	end := len(strings.TrimRight(t.s, jsonSpace))
	r := gjson.Parse(t.s[start:end])
	r.Index = start
	if !r.IsObject() || r.Raw != t.s[start:end] {
		return gjson.Result{}, errNotObject
	}
	return r, nil
}

// members lists the members of the container c, checking that the
// offsets gjson reports point at the text they claim, so that a
// misplaced splice can never corrupt the document.
func (t *text) members(c gjson.Result) ([]member, error) {
	var ms []member
	obj := c.IsObject()
	bad := false
	c.ForEach(func(k, v gjson.Result) bool {
		m := member{val: v, start: v.Index}
		if obj {
			m.key, m.start, m.keyEnd = k.Str, k.Index, k.Index+len(k.Raw)
			if m.keyEnd > len(t.s) || t.s[m.start:m.keyEnd] != k.Raw {
				bad = true
				return false
			}
		}
		if m.end() > len(t.s) || t.s[v.Index:m.end()] != v.Raw {
			bad = true
			return false
		}
		ms = append(ms, m)
		return true
	})
	if bad {
		return nil, errors.New("cannot locate the values in the document text")
	}
	return ms, nil
}

// find returns the index of the member named key, or -1. A key present
// twice is an error: decoders disagree on which one counts (Go's takes
// the last, gjson the first), so editing either could be the wrong one.
func find(ms []member, key string) (int, error) {
	found := -1
	for i, m := range ms {
		if m.key == key {
			if found >= 0 {
				return -1, fmt.Errorf("key %q appears twice", key)
			}
			found = i
		}
	}
	return found, nil
}

func (t *text) splice(from, to int, with string) {
	t.s = t.s[:from] + with + t.s[to:]
}

// lineIndent returns the blanks at the start of the line holding off.
func (t *text) lineIndent(off int) string {
	ls := strings.LastIndexByte(t.s[:off], '\n') + 1
	i := ls
	for i < off && (t.s[i] == ' ' || t.s[i] == '\t') {
		i++
	}
	return t.s[ls:i]
}

// spaceBefore returns the whitespace right before off.
func (t *text) spaceBefore(off int) string {
	i := off
	for i > 0 && strings.IndexByte(jsonSpace, t.s[i-1]) >= 0 {
		i--
	}
	return t.s[i:off]
}

// unitFor is the indentation unit for new lines inside container c whose
// members are indented by inner: the document's, or this container's
// own step when the document's top level is compact.
func (t *text) unitFor(c gjson.Result, inner string) string {
	if t.unit != "" {
		return t.unit
	}
	if u, ok := strings.CutPrefix(inner, t.lineIndent(c.Index)); ok && u != "" {
		return u
	}
	return "\t"
}

// format renders the JSON value raw compact, or indented for a line
// starting with prefix.
func format(raw, prefix, unit string, pretty bool) (string, error) {
	var b bytes.Buffer
	var err error
	raw = strings.TrimSpace(raw)
	if pretty {
		err = json.Indent(&b, []byte(raw), prefix, unit)
	} else {
		err = json.Compact(&b, []byte(raw))
	}
	if err != nil {
		return "", fmt.Errorf("value %q: %w", raw, err)
	}
	return b.String(), nil
}

// replace puts raw in place of the member m of container c.
func (t *text) replace(c gjson.Result, m member, raw string) error {
	ws := t.spaceBefore(m.start)
	pretty := strings.Contains(ws, "\n")
	indent := t.lineIndent(m.start)
	v, err := format(raw, indent, t.unitFor(c, indent), pretty)
	if err != nil {
		return err
	}
	t.splice(m.val.Index, m.end(), v)
	return nil
}

// insert adds a member (key is ignored in an array) holding raw at the
// end of container c, whose members are ms.
func (t *text) insert(c gjson.Result, ms []member, key, raw string) error {
	obj := c.IsObject()
	keyText := ""
	if obj {
		keyText = quote(key)
	}
	if len(ms) == 0 {
		outer := t.lineIndent(c.Index)
		pretty := t.unit != ""
		inner := outer + t.unit
		v, err := format(raw, inner, t.unit, pretty)
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteByte(c.Raw[0])
		if pretty {
			b.WriteString("\n" + inner)
		}
		if obj {
			b.WriteString(keyText + ":")
			if pretty {
				b.WriteByte(' ')
			}
		}
		b.WriteString(v)
		if pretty {
			b.WriteString("\n" + outer)
		}
		b.WriteByte(c.Raw[len(c.Raw)-1])
		t.splice(c.Index, c.Index+len(c.Raw), b.String())
		return nil
	}
	last := ms[len(ms)-1]
	ws := t.spaceBefore(last.start)
	pretty := strings.Contains(ws, "\n")
	indent := t.lineIndent(last.start)
	v, err := format(raw, indent, t.unitFor(c, indent), pretty)
	if err != nil {
		return err
	}
	if obj {
		v = keyText + t.s[last.keyEnd:last.val.Index] + v
	}
	t.splice(last.end(), last.end(), ","+ws+v)
	return nil
}

// remove deletes the member i of container c, with the separator that
// goes with it, leaving the others' layout as it was.
func (t *text) remove(c gjson.Result, ms []member, i int) {
	switch {
	case len(ms) == 1:
		t.splice(c.Index+1, c.Index+len(c.Raw)-1, "")
	case i < len(ms)-1:
		t.splice(ms[i].start, ms[i+1].start, "")
	default:
		t.splice(ms[i-1].end(), ms[i].end(), "")
	}
}

// quote returns s as a JSON string, without the HTML escapes of
// json.Marshal, so that keys read back as written.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// typeName names a value's JSON type for error messages.
func typeName(r gjson.Result) string {
	switch {
	case r.IsObject():
		return "an object"
	case r.IsArray():
		return "an array"
	case r.Type == gjson.String:
		return "a string"
	case r.Type == gjson.Number:
		return "a number"
	case r.Type == gjson.True, r.Type == gjson.False:
		return "a boolean"
	}
	return "null"
}
