package specedit

import (
	"strings"
	"testing"
)

func TestInvalidInput(t *testing.T) {
	const cfg = `{"hostname":"h","process":{"args":["sh"]},"dup":{"k":1,"k":2}}`
	type op func([]byte) ([]byte, error)
	set := func(p, v string) op { return func(d []byte) ([]byte, error) { return Set(d, p, v, false) } }
	cases := []struct {
		name, doc string
		op        op
		want      string
	}{
		{"not JSON", `{"a":`, set("a", "1"), "not valid JSON"},
		{"garbage", `hello`, set("a", "1"), "not valid JSON"},
		{"empty", ``, set("a", "1"), "not valid JSON"},
		{"null", `null`, set("a", "1"), "top level is null, not an object"},
		{"array", `[1]`, set("a", "1"), "top level is an array, not an object"},
		{"string", `"x"`, set("a", "1"), "top level is a string"},
		{"trailing garbage", `{"a":1} x`, set("a", "1"), "not valid JSON"},
		{"two documents", `{"a":1}{}`, set("a", "1"), "not valid JSON"},
		{"into a string", cfg, set("hostname.x", "1"), `"hostname" holds a string, which has no member "x"`},
		{"into an array by key", cfg, set("process.args.x", "1"), `"process.args" is an array, and "x" is not an index`},
		{"into an array element", cfg, set("process.args.0.x", "1"), `"process.args.0" holds a string`},
		{"past the end", cfg, set("process.args.5", "1"), "index 5 is past the end"},
		{"new array past 0", cfg, set("new.3", "1"), "index 3 of an array that does not exist"},
		{"duplicate key", cfg, set("dup.k", "3"), `key "k" appears twice`},
		{"query path", cfg, set("process.args.#", "1"), "query syntax"},
		{"modifier", cfg, set("@this", "1"), "query syntax"},
		{"empty component", cfg, set("a..b", "1"), "empty component"},
		{"trailing backslash", cfg, set(`a\`, "1"), "ends with a backslash"},
		{"delete missing", cfg, func(d []byte) ([]byte, error) { return Delete(d, "nope") }, `path "nope": not found`},
		{"delete -1", cfg, func(d []byte) ([]byte, error) { return Delete(d, "process.args.-1") }, "-1 names no element"},
		{"delete through scalar", cfg, func(d []byte) ([]byte, error) { return Delete(d, "hostname.x") }, "holds a string"},
		{"append to a string", cfg, func(d []byte) ([]byte, error) { return Append(d, "hostname", "x", TypeAuto) }, "holds a string, not an array"},
		{"append to an object", cfg, func(d []byte) ([]byte, error) { return Append(d, "process", "x", TypeAuto) }, "holds an object, not an array"},
		{"append not JSON", cfg, func(d []byte) ([]byte, error) { return Append(d, "process.args", "x", TypeJSON) }, "not valid JSON"},
		{"set raw not JSON", cfg, func(d []byte) ([]byte, error) { return SetRaw(d, "a", []byte("{")) }, "not valid JSON"},
		{"merge not an object", cfg, func(d []byte) ([]byte, error) { return Merge(d, []byte(`["c"]`)) }, "merge patch: top level is an array"},
		{"merge null", cfg, func(d []byte) ([]byte, error) { return Merge(d, []byte(`null`)) }, "merge patch: top level is null"},
		{"merge garbage", cfg, func(d []byte) ([]byte, error) { return Merge(d, []byte(`{} {}`)) }, "merge patch: not valid JSON"},
		{"merge through scalar", cfg, func(d []byte) ([]byte, error) { return Merge(d, []byte(`{"dup":{"k":null}}`)) }, `appears twice`},
	}
	for _, c := range cases {
		out, err := c.op([]byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %q, %v; want an error with %q", c.name, out, err, c.want)
		}
		if err != nil && out != nil {
			t.Errorf("%s: an error and a result", c.name)
		}
	}
	if _, err := Get([]byte("null"), "a"); err == nil || !strings.Contains(err.Error(), "not an object") {
		t.Errorf("Get on null: %v", err)
	}
}

func TestValueTypes(t *testing.T) {
	cases := []struct {
		value string
		typ   ValueType
		want  string
		bad   bool
	}{
		{"3", TypeAuto, "3", false},
		{"3", TypeString, `"3"`, false},
		{"3", TypeJSON, "3", false},
		{"abc", TypeAuto, `"abc"`, false},
		{"abc", TypeJSON, "", true},
		{" [1, 2] ", TypeJSON, "[1, 2]", false},
		{"", TypeAuto, `""`, false},
		{"", TypeJSON, "", true},
		{"<a&b>", TypeString, `"<a&b>"`, false},
		{`"q"`, TypeString, `"\"q\""`, false},
	}
	for _, c := range cases {
		got, err := RawValue(c.value, c.typ)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("RawValue(%q, %d) = %q, %v; want %q", c.value, c.typ, got, err, c.want)
		}
	}
}

func TestAppend(t *testing.T) {
	cases := []struct{ doc, path, value, want string }{
		{`{"a":[1]}`, "a", "2", `{"a":[1,2]}`},
		{`{}`, "a", "x", `{"a":["x"]}`},
		{`{}`, "a.b", "x", `{"a":{"b":["x"]}}`},
		{`{"a":null}`, "a", "1", `{"a":[1]}`},
		{`{"a":[[]]}`, "a.0", "1", `{"a":[[1]]}`},
		{`{"a":[]}`, "a", `{"k":"v"}`, `{"a":[{"k":"v"}]}`},
	}
	for _, c := range cases {
		out, err := Append([]byte(c.doc), c.path, c.value, TypeAuto)
		if err != nil || string(out) != c.want {
			t.Errorf("Append(%s, %q, %q) = %s, %v; want %s", c.doc, c.path, c.value, out, err, c.want)
		}
	}
}

// Specs of every runtime-spec version, and fields this runtime does not
// know, survive an edit: only the value edited changes.
func TestUnknownFieldsKept(t *testing.T) {
	docs := []string{
		`{"ociVersion":"1.0.0","platform":{"os":"linux","arch":"amd64"},"process":{"args":["sh"]},"linux":{"resources":{"memory":{"kernel":1}}}}`,
		"{\n  \"ociVersion\": \"1.0.2\",\n  \"solaris\": {\"milestone\": \"x\"},\n  \"process\": {\"args\": [\"sh\"], \"apparmorProfile\": \"p\"}\n}",
		`{"ociVersion":"1.3.0","process":{"args":["sh"]},"linux":{"intelRdt":{"schemata":["L3:0=f"]},"netDevices":{"eth0":{}}},"vm":{"hypervisor":{"path":"/h"}},"org.example/extension":[1,{"x":null}]}`,
	}
	for _, d := range docs {
		out, err := Set([]byte(d), "process.args.0", "bash", false)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Replace(d, `"sh"`, `"bash"`, 1); string(out) != want {
			t.Errorf("edit changed more than the value:\n%s\nwant\n%s", out, want)
		}
	}
}

// Edit then Get returns what was set.
func TestRoundTrip(t *testing.T) {
	cases := []struct{ path, value, get, want string }{
		{"process.args", `["sleep","5"]`, "process.args.1", "5"},
		{"process.env.-1", "A=B", `process.env.#(%"A=*")`, "A=B"},
		{"linux.namespaces.-1", `{"type":"pid"}`, "linux.namespaces.#.type", `["pid"]`},
		{`annotations.org\.x\.y`, "v", `annotations.org\.x\.y`, "v"},
		{`annotations.\0`, "zero", "annotations.0", "zero"},
		{"hostname", "h", "hostname", "h"},
		{"process.user.uid", "1000", "process.user.uid", "1000"},
		{"k", "true", "k", "true"},
	}
	doc := []byte("{\n\t\"process\": {\n\t\t\"env\": []\n\t}\n}")
	for _, c := range cases {
		var err error
		if doc, err = Set(doc, c.path, c.value, false); err != nil {
			t.Fatalf("Set(%q): %v", c.path, err)
		}
		if got, err := Get(doc, c.get); err != nil || got != c.want {
			t.Errorf("Get(%q) after Set(%q, %q) = %q, %v; want %q", c.get, c.path, c.value, got, err, c.want)
		}
	}
}
