package speccmd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
)

// tool mirrors oci-spec's top level for the edits, to run them through
// the parser as the tool does.
type tool struct {
	cli.Globals
	Bundle
	Generate Generate `cmd:"" default:"withargs"`
	Get      Get      `cmd:""`
	Set      Set      `cmd:""`
	Delete   Delete   `cmd:""`
	Append   Append   `cmd:""`
	Merge    Merge    `cmd:""`
}

func run(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main("oci-spec", "", &tool{}, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestEditCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := run("", "-b", dir); code != 0 {
		t.Fatalf("generate: %d %s", code, e)
	}
	cfg := filepath.Join(dir, "config.json")
	cases := []struct {
		stdin string
		args  []string
		code  int
		out   string // stdout, or a substring of stderr when code != 0
	}{
		{"", []string{"-b", dir, "get", "process.args.0"}, 0, "sh\n"},
		{"", []string{"-b", dir, "get", "mounts.#.destination"}, 0, `["/proc","/dev",`},
		{"", []string{"-b", dir, "get", `process.env.#(%"PATH=*")`}, 0, "PATH=/usr/local/sbin"},
		{"", []string{"-b", dir, "get", "nope"}, 1, `path "nope": not found`},
		{"", []string{"-b", dir, "set", "hostname", "box", "process.terminal", "false"}, 0, ""},
		{"", []string{"-b", dir, "get", "hostname"}, 0, "box\n"},
		{"", []string{"-b", dir, "get", "process.terminal"}, 0, "false\n"},
		{"", []string{"-b", dir, "set", "--string", "annotations.n", "3"}, 0, ""},
		{"", []string{"-b", dir, "get", "annotations"}, 0, "{\n\t\"n\": \"3\"\n}\n"},
		{"", []string{"-b", dir, "set", "--json", "annotations.n", "3"}, 0, ""},
		{"", []string{"-b", dir, "get", "annotations.n"}, 0, "3\n"},
		{"", []string{"-b", dir, "set", "--json", "a", "b"}, 2, "not valid JSON"},
		{"", []string{"-b", dir, "set", "--json", "--string", "a", "1"}, 2, "--json"},
		{"", []string{"-b", dir, "set", "a"}, 2, "PATH VALUE pairs"},
		{"[\"sleep\", \"5\"]\n", []string{"-b", dir, "set", "process.args", "-"}, 0, ""},
		{"", []string{"-b", dir, "get", "process.args.1"}, 0, "5\n"},
		{"line\n", []string{"-b", dir, "set", "hostname", "-"}, 0, ""},
		{"", []string{"-b", dir, "get", "hostname"}, 0, "line\n"},
		{"x", []string{"-b", dir, "set", "a", "-", "b", "-"}, 2, "stdin can be read once"},
		{"{}", []string{"set", "-f", "-", "a", "-"}, 2, "stdin can be read once"},
		{"", []string{"-b", dir, "set", "hostname.x", "1"}, 1, `"hostname" holds a string`},
		{"", []string{"-b", dir, "append", "process.env", "A=B"}, 0, ""},
		{"", []string{"-b", dir, "get", "process.env.#"}, 0, "3\n"},
		{"", []string{"-b", dir, "append", "--json", "process.env", "A=B"}, 2, "not valid JSON"},
		{"", []string{"-b", dir, "append", "hostname", "x"}, 1, "holds a string, not an array"},
		{"C=D", []string{"-b", dir, "append", "process.env", "-"}, 0, ""},
		{"", []string{"-b", dir, "get", "process.env.3"}, 0, "C=D\n"},
		{"", []string{"-b", dir, "delete", "annotations", "process.env.3"}, 0, ""},
		{"", []string{"-b", dir, "delete", "annotations"}, 1, `path "annotations": not found`},
		{`{"hostname":null,"process":{"cwd":"/w"},"annotations":{"k":"v"}}`, []string{"-b", dir, "merge"}, 0, ""},
		{"", []string{"-b", dir, "get", "process.cwd"}, 0, "/w\n"},
		{"", []string{"-b", dir, "get", "annotations.k"}, 0, "v\n"},
		{"", []string{"-b", dir, "get", "hostname"}, 1, "not found"},
		{"[]", []string{"-b", dir, "merge", "-"}, 1, "merge patch: top level is an array"},
		{"{}", []string{"merge", "-f", "-"}, 2, "stdin can be read once"},
		{"", []string{"-b", dir, "merge", filepath.Join(dir, "missing.json")}, 1, "missing.json"},
		{`{"a":1}`, []string{"set", "-f", "-", "b", "2"}, 0, "{\"a\":1,\"b\":2}\n"},
		{`{"a":1}`, []string{"get", "-f", "-", "a"}, 0, "1\n"},
		{`null`, []string{"set", "-f", "-", "b", "2"}, 1, "top level is null, not an object"},
		{`{"a":1} x`, []string{"delete", "-f", "-", "a"}, 1, "not valid JSON"},
		{`{"a":[1]}`, []string{"append", "-f", "-", "a", "2"}, 0, "{\"a\":[1,2]}\n"},
		{`{"a":{"b":1}}`, []string{"merge", "-f", "-", filepath.Join(dir, "patch.json")}, 0, "{\"a\":{\"b\":1,\"c\":2}}\n"},
	}
	os.WriteFile(filepath.Join(dir, "patch.json"), []byte(`{"a":{"c":2}}`), 0o644)
	for _, c := range cases {
		before, _ := os.ReadFile(cfg)
		code, out, errs := run(c.stdin, c.args...)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d (%s)", c.args, code, c.code, errs)
			continue
		}
		if c.code == 0 && !strings.HasPrefix(out, c.out) {
			t.Errorf("%q: stdout %q, want %q", c.args, out, c.out)
		}
		if c.code != 0 {
			if !strings.Contains(errs, c.out) {
				t.Errorf("%q: stderr %q, want %q", c.args, errs, c.out)
			}
			if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
				t.Errorf("%q: a failed edit changed the file", c.args)
			}
		}
	}
}

func TestStdinTwiceIsUsage(t *testing.T) {
	c := &Set{FileFlag: FileFlag{File: "-"}, Pairs: []string{"a", "-"}}
	err := c.Run(&cli.Env{Stdin: strings.NewReader("{}")}, "")
	var u *cerr.Usage
	if !errors.As(err, &u) {
		t.Errorf("got %v, want a usage error", err)
	}
}
