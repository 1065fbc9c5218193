package specedit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Merge applies the JSON merge patch (RFC 7386) patch to doc: a member
// whose value is null is removed, an object is merged into the member of
// the same name recursively, and any other value (arrays included)
// replaces the member. The patch must be an object, since any other
// patch would replace the whole config. Members the patch does not name
// keep their text, order and layout; new members go at the end of their
// object, in the patch's order.
func Merge(doc, patch []byte) ([]byte, error) {
	t, err := newText(doc)
	if err != nil {
		return nil, err
	}
	if err := CheckDoc(patch); err != nil {
		return nil, fmt.Errorf("merge patch: %w", err)
	}
	if err := t.merge(nil, gjson.ParseBytes(patch)); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	out := []byte(t.s)
	if err := CheckDoc(out); err != nil {
		return nil, fmt.Errorf("merge: result: %w", err)
	}
	return out, nil
}

// merge applies the patch object to the object at the path at.
func (t *text) merge(at []comp, patch gjson.Result) error {
	var err error
	patch.ForEach(func(k, v gjson.Result) bool {
		p := append(at[:len(at):len(at)], comp{key: k.Str})
		switch {
		case v.Type == gjson.Null:
			c, ms, i, lerr := t.lookup(p)
			if lerr == nil {
				t.remove(c, ms, i)
			} else if !errors.Is(lerr, errNotFound) {
				err = lerr
			}
		case v.IsObject():
			_, ms, i, lerr := t.lookup(p)
			if lerr == nil && ms[i].val.IsObject() {
				err = t.merge(p, v)
			} else {
				err = t.set(p, withoutNulls(v))
			}
		default:
			err = t.set(p, v.Raw)
		}
		if err != nil {
			err = fmt.Errorf("member %s: %w", where(p), err)
		}
		return err == nil
	})
	return err
}

// withoutNulls returns v with the null members of its objects removed,
// recursively: what merging v into nothing gives (RFC 7386 section 2).
// Arrays are values, taken whole.
func withoutNulls(v gjson.Result) string {
	if !v.IsObject() {
		return v.Raw
	}
	var b strings.Builder
	b.WriteByte('{')
	v.ForEach(func(k, m gjson.Result) bool {
		if m.Type == gjson.Null {
			return true
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(k.Raw + ":" + withoutNulls(m))
		return true
	})
	b.WriteByte('}')
	return b.String()
}
