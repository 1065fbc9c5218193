package specedit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// FuzzEdit runs an edit (op: set, delete, append, merge) on a random
// document, path and value. It must never panic, every result must be one
// valid JSON object, and a value set must read back at its path. Run it
// with
//
//	go test -fuzz=FuzzEdit -fuzztime=60s ./internal/spec/specedit/
func FuzzEdit(f *testing.F) {
	seeds := []struct {
		doc, path, value string
		op               uint8
	}{
		{doc, "process.args.-1", "x", 0},
		{doc, `annotations.org\.example\.key`, `{"a":[1,null]}`, 0},
		{doc, "hostname.x", "1", 0},
		{doc, "process.args.0", "", 1},
		{doc, "process.args", "more", 2},
		{doc, "", `{"process":{"terminal":null},"new":{"a":null,"b":1}}`, 3},
		{`{}`, "a.0.b", "true", 0},
		{`{"a":null}`, "a.b.c", "[]", 0},
		{`{"a":[1,2,3]}`, "a.1", "", 1},
		{`{"a" : { "b" : [ ] } }`, "a.b", "{}", 2},
		{"{\n  \"k\": \"v\"\n}", `\0`, "0", 0},
		{`{"dup":1,"dup":2}`, "dup", "3", 0},
	}
	for _, s := range seeds {
		f.Add(s.doc, s.path, s.value, s.op)
	}
	f.Fuzz(func(t *testing.T, doc, path, value string, op uint8) {
		in := []byte(doc)
		var out []byte
		var err error
		switch op % 4 {
		case 0:
			out, err = Set(in, path, value, false)
		case 1:
			out, err = Delete(in, path)
		case 2:
			out, err = Append(in, path, value, TypeAuto)
		case 3:
			out, err = Merge(in, []byte(value))
		}
		if err != nil {
			if out != nil {
				t.Fatalf("an error (%v) and a result", err)
			}
			return
		}
		if cerr := CheckDoc(out); cerr != nil {
			t.Fatalf("result is not a JSON object (%v):\n%q", cerr, out)
		}
		if op%4 != 0 || strings.Contains(path, "-1") {
			return
		}
		raw, _ := RawValue(value, TypeAuto)
		r := gjson.GetBytes(out, path)
		if !r.Exists() || compact(t, r.Raw) != compact(t, raw) {
			t.Fatalf("Set(%q, %q) then Get = %q (exists %v); document:\n%s", path, raw, r.Raw, r.Exists(), out)
		}
	})
}

func compact(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %q: %v", s, err)
	}
	return b.String()
}
