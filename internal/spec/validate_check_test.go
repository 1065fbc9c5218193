package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const minimal = `{"ociVersion":"%s","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{%s}%s}`

// doc is a small valid spec of version, with linux members and extra
// top-level members added.
func doc(version, linux, extra string) []byte {
	return fmt.Appendf(nil, minimal, version, linux, extra)
}

// TestCheckWarnings covers the findings that are warnings: they do not
// stop create, and validate exits 0 on them alone.
func TestCheckWarnings(t *testing.T) {
	cases := []struct {
		name, doc, path, msg string
	}{
		{"unknown property", string(doc("1.3.0", "", `,"x-future":{"a":1}`)), "x-future", "unknown property, ignored"},
		{"unknown nested", string(doc("1.3.0", `"bogus":1`, "")), "linux.bogus", "unknown property"},
		{"case of a name", string(doc("1.3.0", "", `,"Hostname":""`)), "Hostname", `property name is "hostname"`},
		{"field newer than version", string(doc("1.0.2", `"memoryPolicy":{"mode":"MPOL_DEFAULT","nodes":""}`, "")), "linux.memoryPolicy", "added in runtime-spec 1.3.0"},
		{"time namespace in 1.0", string(doc("1.0.0", `"namespaces":[{"type":"time"}]`, "")), "linux.namespaces.0", "added in runtime-spec 1.1.0"},
		{"relative destination", string(doc("1.2.0", "", `,"mounts":[{"destination":"tmp"}]`)), "mounts.0.destination", "taken relative to /"},
		{"recursive propagation", string(doc("1.3.0", `"rootfsPropagation":"rslave"`, "")), "linux.rootfsPropagation", "taken as runc does"},
		{"env without =", string(doc("1.3.0", "", "")), "", ""},
	}
	cases[len(cases)-1].doc = `{"ociVersion":"1.3.0","root":{"path":"r"},"process":{"cwd":"/","args":["sh"],"env":["PATH"]},"linux":{}}`
	cases[len(cases)-1].path, cases[len(cases)-1].msg = "process.env.0", "is not KEY=VALUE"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ps := Check([]byte(c.doc), Options{})
			if len(ps) != 1 || ps[0].Path != c.path || !strings.Contains(ps[0].Message, c.msg) || ps[0].Severity != SeverityWarning {
				t.Errorf("problems %v, want one warning %s: %s", ps, c.path, c.msg)
			}
			if _, err := Parse([]byte(c.doc)); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestCheckRootInBundle(t *testing.T) {
	dir := t.TempDir()
	data := doc("1.3.0", "", "")
	_, ps := Check(data, Options{Bundle: dir})
	if len(ps) != 1 || ps[0].Path != "root.path" || !strings.Contains(ps[0].Message, filepath.Join(dir, "rootfs")) {
		t.Errorf("missing rootfs: %v", ps)
	}
	os.WriteFile(filepath.Join(dir, "rootfs"), nil, 0o644)
	if _, ps := Check(data, Options{Bundle: dir}); len(ps) != 1 || !strings.Contains(ps[0].Message, "not a directory") {
		t.Errorf("rootfs file: %v", ps)
	}
	os.Remove(filepath.Join(dir, "rootfs"))
	os.Mkdir(filepath.Join(dir, "rootfs"), 0o755)
	if _, ps := Check(data, Options{Bundle: dir}); len(ps) != 0 {
		t.Errorf("rootfs directory: %v", ps)
	}
	// Without a bundle (validate -f) the root is not looked for.
	if _, ps := Check(data, Options{}); len(ps) != 0 {
		t.Errorf("no bundle: %v", ps)
	}
}

// TestCheckRequiredOnce: a property both passes find missing is said once.
func TestCheckRequiredOnce(t *testing.T) {
	_, ps := Check([]byte(`{"ociVersion":"1.3.0","root":{},"process":{"args":["a"]},"linux":{}}`), Options{})
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path+": "+p.Message)
	}
	if got := strings.Join(paths, ", "); got != "process.cwd: required, root.path: required" {
		t.Errorf("problems: %s", got)
	}
}

func TestShapeAllTypeErrors(t *testing.T) {
	ps := Shape([]byte(`{"ociVersion":"1.3.0","process":{"cwd":"/","args":[1,"a",true],"user":{"uid":"0"}},"linux":{"uidMappings":[{"containerID":0,"hostID":1,"size":1},{"containerID":1,"hostID":2,"size":-1}]}}`))
	want := []string{
		"linux.uidMappings.1.size: must not be negative, not -1",
		"process.args.0: must be a string, not the number 1",
		"process.args.2: must be a string, not a boolean",
		"process.user.uid: must be an integer, not a string",
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestKeyEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"a":          "p.a",
		"net.ipv4.x": `p.net\.ipv4\.x`,
		"a*b?c":      `p.a\*b\?c`,
	} {
		if got := key("p", in); got != want {
			t.Errorf("key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteProblems(t *testing.T) {
	ps := []Problem{{Path: "a.0", Message: "bad", Severity: SeverityError}, {Message: "config is null", Severity: SeverityError}}
	var b bytes.Buffer
	if err := WriteProblems(&b, ps, FormatText); err != nil || b.String() != "a.0: bad (error)\n(document): config is null (error)\n" {
		t.Errorf("text: %q, %v", b.String(), err)
	}
	b.Reset()
	if err := WriteProblems(&b, ps[:1], FormatJSON); err != nil || b.String() != `{"path":"a.0","message":"bad","severity":"error"}`+"\n" {
		t.Errorf("json: %q, %v", b.String(), err)
	}
	if err := WriteProblems(&b, ps, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestCheckFile(t *testing.T) {
	if _, _, err := CheckFile("/nonexistent/config.json", nil, Options{}); err == nil || !strings.Contains(err.Error(), `config "/nonexistent/config.json"`) {
		t.Errorf("missing file: %v", err)
	}
	s, ps, err := CheckFile("-", bytes.NewReader(doc("1.3.0", "", "")), Options{})
	if err != nil || s == nil || len(ps) != 0 {
		t.Errorf("stdin: %v %v %v", s, ps, err)
	}
}
