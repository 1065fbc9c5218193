package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cerr"
)

func TestEachID(t *testing.T) {
	in := "c1\n\n{\"id\":\"c2\",\"status\":\"created\"}\n  c3  \n{\"status\":\"x\"}\nnot json {\n"
	var got []string
	err := EachID(nil, strings.NewReader(in), func(id string) error {
		got = append(got, id)
		if id == "c3" {
			return errors.New("boom")
		}
		return nil
	})
	want := []string{"c1", "c2", "c3", "not json {"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("ids = %q, want %q", got, want)
	}
	// c3's error and the object without "id" are both reported; the
	// walk went on past them.
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), `no "id"`) {
		t.Fatalf("err = %v", err)
	}
	got = nil
	if err := EachID([]string{"a", "b"}, strings.NewReader("stdin-not-read\n"), func(id string) error {
		got = append(got, id)
		return nil
	}); err != nil || strings.Join(got, ",") != "a,b" {
		t.Fatalf("args: ids %q, err %v", got, err)
	}
}

type testCmd struct {
	Globals
	Fail string `help:"fail with this message"`
	Code int    `help:"exit with this code"`
	ID   string `arg:"" optional:""`
}

func (c *testCmd) Run(e *Env) error {
	switch {
	case c.Code != 0:
		return &ExitError{Code: c.Code}
	case c.Fail == "usage":
		return Usagef("bad value")
	case c.Fail != "":
		return cerr.E(c.ID, "mount", "/proc", errors.New(c.Fail))
	}
	return PrintJSON(e.Stdout, map[string]string{"id": c.ID})
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main("oci-test", "test tool", &testCmd{}, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMainExitCodesAndErrors(t *testing.T) {
	if code, out, _ := run("c1"); code != ExitOK || out != "{\"id\":\"c1\"}\n" {
		t.Fatalf("ok run: %d %q", code, out)
	}
	code, _, errs := run("--fail", "denied", "web")
	if code != ExitFailure || errs != "oci-test: container \"web\": mount \"/proc\": denied\n" {
		t.Fatalf("failure: %d %q", code, errs)
	}
	code, _, errs = run("--log-format", "json", "--fail", "denied", "web")
	var rec map[string]string
	if code != ExitFailure || json.Unmarshal([]byte(errs), &rec) != nil ||
		rec["container"] != "web" || rec["op"] != "mount" || rec["path"] != "/proc" || rec["tool"] != "oci-test" {
		t.Fatalf("json failure: %d %q", code, errs)
	}
	if code, _, _ := run("--no-such-flag"); code != ExitUsage {
		t.Fatalf("unknown flag: exit %d, want %d", code, ExitUsage)
	}
	if code, _, _ := run("--fail", "usage"); code != ExitUsage {
		t.Fatalf("usage error: exit %d, want %d", code, ExitUsage)
	}
	if code, _, errs := run("--code", "7"); code != 7 || errs != "" {
		t.Fatalf("exit error: %d %q", code, errs)
	}
	if code, out, _ := run("--version"); code != ExitOK || !strings.Contains(out, "oci-test (ocikit)") {
		t.Fatalf("--version: %d %q", code, out)
	}
	if code, out, _ := run("--help"); code != ExitOK || !strings.Contains(out, "--root=DIR") || !strings.Contains(out, "--log-format") {
		t.Fatalf("--help: %d %q", code, out)
	}
}

func TestStateRoot(t *testing.T) {
	t.Setenv("OCIKIT_ROOT", "")
	g := &Globals{Root: "rel/dir"}
	r, err := g.StateRoot()
	if err != nil || !strings.HasSuffix(r, "/rel/dir") || !strings.HasPrefix(r, "/") {
		t.Fatalf("StateRoot = %q, %v", r, err)
	}
}
