package specedit

import (
	"strings"
	"testing"
)

// The edits' text, byte for byte: untouched parts as they were, new
// parts laid out like their neighbours.
func TestEditLayout(t *testing.T) {
	const pretty = "{\n\t\"a\": 1,\n\t\"b\": {\n\t\t\"c\": [\n\t\t\t\"x\"\n\t\t],\n\t\t\"e\": []\n\t},\n\t\"z\":   \"keep  this\"\n}\n"
	const compact = `{"a":1,"b":{"c":["x"],"e":[]},"z":"keep  this"}`
	type edit func([]byte) ([]byte, error)
	set := func(p, v string) edit { return func(d []byte) ([]byte, error) { return Set(d, p, v, false) } }
	del := func(p string) edit { return func(d []byte) ([]byte, error) { return Delete(d, p) } }
	app := func(p, v string) edit { return func(d []byte) ([]byte, error) { return Append(d, p, v, TypeAuto) } }
	cases := []struct {
		name, doc string
		op        edit
		want      string
	}{
		{"replace scalar", pretty, set("a", "2"), strings.Replace(pretty, `"a": 1`, `"a": 2`, 1)},
		// The colon is copied from the last member, odd as it is.
		{"new key indented", pretty, set("n", `{"k":[1,2]}`),
			strings.Replace(pretty, "\"keep  this\"\n}", "\"keep  this\",\n\t\"n\":   {\n\t\t\"k\": [\n\t\t\t1,\n\t\t\t2\n\t\t]\n\t}\n}", 1)},
		{"nested new key", pretty, set("b.d", "true"),
			strings.Replace(pretty, "\t\t\"e\": []\n", "\t\t\"e\": [],\n\t\t\"d\": true\n", 1)},
		{"append to array", pretty, app("b.c", "y"),
			strings.Replace(pretty, "\t\t\t\"x\"\n", "\t\t\t\"x\",\n\t\t\t\"y\"\n", 1)},
		{"append to empty array", pretty, app("b.e", "y"),
			strings.Replace(pretty, "\"e\": []", "\"e\": [\n\t\t\t\"y\"\n\t\t]", 1)},
		{"delete first", pretty, del("a"), strings.Replace(pretty, "\t\"a\": 1,\n", "", 1)},
		{"delete last", pretty, del("z"), strings.Replace(pretty, "},\n\t\"z\":   \"keep  this\"\n", "}\n", 1)},
		{"delete only", pretty, del("b.c.0"), strings.Replace(pretty, "[\n\t\t\t\"x\"\n\t\t]", "[]", 1)},
		{"compact stays compact", compact, set("b.n", `{ "k" : [ 1 ] }`), `{"a":1,"b":{"c":["x"],"e":[],"n":{"k":[1]}},"z":"keep  this"}`},
		{"compact append", compact, app("b.e", "1"), `{"a":1,"b":{"c":["x"],"e":[1]},"z":"keep  this"}`},
		{"compact delete", compact, del("b.c"), `{"a":1,"b":{"e":[]},"z":"keep  this"}`},
		{"empty doc", "{}", set("a.b.-1", "x"), `{"a":{"b":["x"]}}`},
		{"replace null on the way", `{"a":null}`, set("a.b", "1"), `{"a":{"b":1}}`},
		{"key order kept", `{"z":1,"a":2,"m":3}`, set("a", "9"), `{"z":1,"a":9,"m":3}`},
		{"escapes kept", `{"s":"\u00e9\/","t":1}`, set("t", "2"), `{"s":"\u00e9\/","t":2}`},
		{"no HTML escapes", `{}`, setStringOp("k<", "a&b"), `{"k<":"a&b"}`},
	}
	for _, c := range cases {
		out, err := c.op([]byte(c.doc))
		if err != nil || string(out) != c.want {
			t.Errorf("%s: got\n%s\n(%v), want\n%s", c.name, out, err, c.want)
		}
	}
}

func setStringOp(p, s string) func([]byte) ([]byte, error) {
	return func(d []byte) ([]byte, error) { return SetString(d, p, s) }
}
