package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cli"
)

// run drives the tool in-process, as main does.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var cmd command
	var out, errb bytes.Buffer
	code = cli.Main("oci-spec", "test", &cmd, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestWalkthrough(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, _, errs := run(t, ""); code != 0 {
		t.Fatalf("oci-spec: %d %s", code, errs)
	}
	if code, _, errs := run(t, ""); code != 1 || !strings.Contains(errs, "exists (use --force)") {
		t.Errorf("second oci-spec: %d %s", code, errs)
	}
	steps := [][]string{
		{"set", "process.terminal", "false"},
		{"set", "process.args", `["sleep","3"]`},
		{"set", "a", "1", "b", "2"},
		{"delete", "hostname"},
		{"--bundle", dir, "--force"},
		{"--rootless", "--force"},
		{"generate", "--force", "-b", "."},
	}
	for i, args := range steps {
		if code, _, errs := run(t, "", args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		if i == 3 {
			for path, want := range map[string]string{"process.terminal": "false\n", "a": "1\n", "b": "2\n"} {
				if _, out, _ := run(t, "", "get", path); out != want {
					t.Errorf("get %s = %q, want %q", path, out, want)
				}
			}
			_, out, _ := run(t, "", "get", "process.args")
			var args []string
			if json.Unmarshal([]byte(out), &args) != nil || strings.Join(args, " ") != "sleep 3" {
				t.Errorf("get process.args = %q", out)
			}
			if code, _, _ := run(t, "", "get", "hostname"); code != 1 {
				t.Errorf("get of a deleted path: exit %d", code)
			}
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if strings.Contains(string(data), "uidMappings") {
		t.Error("generate --force did not replace the rootless config")
	}
}

func TestStdinAndStdout(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errs := run(t, "{}", "set", "-f", "-", "a.b", "1")
	if code != 0 || out != "{\"a\":{\"b\":1}}\n" {
		t.Errorf("set -f -: %d %q %s", code, out, errs)
	}
	code, out, _ = run(t, "", "-o", "-")
	if code != 0 || !json.Valid([]byte(out)) {
		t.Errorf("-o -: %d", code)
	}
	if _, err := os.Stat("config.json"); err == nil {
		t.Error("-o - wrote config.json")
	}
	if code, out, _ := run(t, `{"x":"y"}`, "get", "-f", "-", "x"); code != 0 || out != "y\n" {
		t.Errorf("get -f -: %d %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"set", "a"}, {"set", "a", "1", "b"}, {"bogus"}, {"get"}, {"delete"}} {
		if code, _, _ := run(t, "{}", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
