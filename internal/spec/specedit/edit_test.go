package specedit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const doc = "{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,\n\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t]\n\t},\n\t\"hostname\": \"runc\",\n\t\"annotations\": {\"org.example.key\": \"v\"}\n}\n"

func TestGet(t *testing.T) {
	cases := map[string]string{
		"hostname":                      "runc",
		"process.terminal":              "true",
		"process.args.0":                "sh",
		"process.args":                  "[\n\t\t\t\"sh\"\n\t\t]",
		`annotations.org\.example\.key`: "v",
		"process.args.#":                "1",
	}
	for path, want := range cases {
		got, err := Get([]byte(doc), path)
		if err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := Get([]byte(doc), "process.user"); err == nil || !strings.Contains(err.Error(), `path "process.user": not found`) {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Get([]byte("{"), "a"); err == nil {
		t.Error("invalid document accepted")
	}
}

func TestSet(t *testing.T) {
	cases := []struct {
		path, value string
		str         bool
		check, want string
	}{
		{"process.terminal", "false", false, "process.terminal", "false"},
		{"process.args", `["sleep","3"]`, false, "process.args", `["sleep","3"]`},
		{"a.b", "3", false, "a", `{"b":3}`},
		{"a", "3", true, "a", `"3"`},
		{"hostname", "box", false, "hostname", `"box"`},
		{"hostname", "", false, "hostname", `""`},
		{"x", `{"y":1}`, false, "x.y", "1"},
		{"process.args.-1", "more", false, "process.args", `["sh","more"]`},
		{`annotations.org\.example\.new`, "w", false, `annotations.org\.example\.new`, `"w"`},
	}
	for _, c := range cases {
		out, err := Set([]byte(doc), c.path, c.value, c.str)
		if err != nil {
			t.Errorf("Set(%q, %q): %v", c.path, c.value, err)
			continue
		}
		if !json.Valid(out) {
			t.Errorf("Set(%q, %q) gave invalid JSON:\n%s", c.path, c.value, out)
			continue
		}
		var v any
		got, _ := Get(out, c.check)
		raw := got
		if json.Unmarshal([]byte(got), &v) != nil {
			b, _ := json.Marshal(got)
			raw = string(b)
		} else if !strings.HasPrefix(strings.TrimSpace(got), "\"") && c.want[0] == '"' {
			// Get printed a string bare that happens to be valid JSON.
			b, _ := json.Marshal(got)
			raw = string(b)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(raw)); err != nil || compact.String() != c.want {
			t.Errorf("after Set(%q, %q): %s = %s, want %s", c.path, c.value, c.check, compact.String(), c.want)
		}
	}
	// The untouched parts keep their formatting.
	out, _ := Set([]byte(doc), "process.terminal", "false", false)
	if want := strings.Replace(doc, "\"terminal\": true", "\"terminal\": false", 1); string(out) != want {
		t.Errorf("formatting changed:\n%s", out)
	}
	for _, path := range []string{"process.*", "process.a?", "process.a|b", "@this", "process.!x", "process.args.#", "a..b", "a.", ""} {
		if _, err := Set([]byte(doc), path, "1", false); err == nil {
			t.Errorf("Set(%q) accepted a path that names no single place", path)
		}
	}
	out, err := Set([]byte(doc), `a\*b`, "1", false)
	if got, _ := Get(out, `a\*b`); err != nil || got != "1" {
		t.Errorf("escaped wildcard key: %q, %v", got, err)
	}
	if _, err := Set([]byte("[1"), "a", "1", false); err == nil {
		t.Error("invalid document accepted")
	}
}

func TestDelete(t *testing.T) {
	out, err := Delete([]byte(doc), "hostname")
	if err != nil || !json.Valid(out) || strings.Contains(string(out), "hostname") {
		t.Fatalf("Delete(hostname) = %s, %v", out, err)
	}
	if _, err := Delete(out, "hostname"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("deleting a missing path: %v", err)
	}
	out, err = Delete([]byte(doc), "process.args.0")
	if got, _ := Get(out, "process.args"); err != nil || strings.Join(strings.Fields(got), "") != "[]" {
		t.Errorf("Delete(process.args.0) = %s, %v", got, err)
	}
	if _, err := Delete([]byte(doc), "process.args.#"); err == nil {
		t.Error("deleting a query path succeeded")
	}
}

func TestEditFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, []byte(doc), 0o600)
	set, err := SetPairs([]string{"a", "1", "process.terminal", "false"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := EditFile(p, nil, nil, set); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := GetFile(p, "a", nil, &out); err != nil || out.String() != "1\n" {
		t.Errorf("GetFile(a) = %q, %v", out.String(), err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode not kept: %v", fi.Mode())
	}
	// A failing edit leaves the file alone and no temporary behind.
	before, _ := os.ReadFile(p)
	err = EditFile(p, nil, nil, func(d []byte) ([]byte, error) { return Delete(d, "nope") })
	if err == nil || !strings.Contains(err.Error(), `config "`+p+`": path "nope": not found`) {
		t.Errorf("failing edit: %v", err)
	}
	err = EditFile(p, nil, nil, func(d []byte) ([]byte, error) { return []byte("{"), nil })
	if err == nil {
		t.Error("invalid result written")
	}
	after, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(dir)
	if !bytes.Equal(before, after) || len(entries) != 1 {
		t.Errorf("failed edits changed the directory: %d entries", len(entries))
	}
	// Editing through a symlink keeps the link.
	link := filepath.Join(dir, "link.json")
	os.Symlink("config.json", link)
	del := func(d []byte) ([]byte, error) { return Delete(d, "a") }
	if err := EditFile(link, nil, nil, del); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("symlink replaced by a file")
	}
	// "-" reads stdin and writes stdout.
	out.Reset()
	set, _ = SetPairs([]string{"a.b", "1"}, false)
	if err := EditFile("-", strings.NewReader("{}"), &out, set); err != nil || out.String() != "{\"a\":{\"b\":1}}\n" {
		t.Errorf("stdin edit = %q, %v", out.String(), err)
	}
	if _, err := SetPairs([]string{"a"}, false); err == nil {
		t.Error("odd pairs accepted")
	}
}
