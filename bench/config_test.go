package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Runs < 30 || c.Cycles != 50 || c.Parallel != 8 || c.ListSize != 200 || !slices.Equal(c.Phases, defaultPhases) || c.Has("profile") {
		t.Errorf("defaults: %+v", c)
	}
	c, err = ParseConfig([]string{"-runs", "40", "-phases", "size, run", "-runc", ""}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Runs != 40 || !slices.Equal(c.Phases, []string{"run", "size"}) || c.Runc != "" || !c.Has("run") || c.Has("cycle") {
		t.Errorf("parsed: %+v", c)
	}
	for _, bad := range [][]string{{"-runs", "0"}, {"-warmup", "-1"}, {"-phases", "run,nope"}, {"-phases", ","}, {"extra"}} {
		if _, err := ParseConfig(bad, io.Discard); err == nil {
			t.Errorf("ParseConfig(%q) accepted", bad)
		}
	}
}

func TestCountLinesWith(t *testing.T) {
	runcList := "ID            PID   STATUS    BUNDLE                  CREATED   OWNER\n" +
		"ls-runc-0     10    running   /tmp/b/bundles/ls-runc-0  now  root\n" +
		"ls-runc-1     11    running   /tmp/b/bundles/ls-runc-1  now  root\n"
	if n := CountLinesWith(runcList, "ls-runc-"); n != 2 {
		t.Errorf("runc table: %d, want 2 (the bundle column repeats the ID on the same line)", n)
	}
	jsonLines := `{"id":"ls-ocikit-0"}` + "\n" + `{"id":"ls-ocikit-1"}` + "\n"
	if n := CountLinesWith(jsonLines, "ls-ocikit-"); n != 2 {
		t.Errorf("JSON lines: %d", n)
	}
	if n := CountLinesWith("", "x"); n != 0 {
		t.Errorf("empty: %d", n)
	}
}

func TestListPrefix(t *testing.T) {
	// ocikit's two faces share one store, so they share one prefix.
	a := listPrefix(OcikitTools("/bin", "/tmp/x/state/ocikit"))
	b := listPrefix(RuncStyle(OciRuntime, "/bin/oci-runtime", "/tmp/x/state/ocikit"))
	if a != b || !strings.HasPrefix(a, "ls-ocikit-") {
		t.Errorf("prefixes %q and %q", a, b)
	}
}

func TestEditConfig(t *testing.T) {
	base := map[string]any{
		"process": map[string]any{"terminal": true, "args": []any{"sh"}, "cwd": "/"},
		"root":    map[string]any{"path": "rootfs", "readonly": true},
		"linux":   map[string]any{"namespaces": []any{map[string]any{"type": "pid"}}},
	}
	cfg := EditConfig(base, "/abs/rootfs", "/ocikit-bench-1/c1", []string{"sleep", "1000"})
	proc := cfg["process"].(map[string]any)
	if proc["terminal"] != false || !slices.Equal(proc["args"].([]any), []any{"sleep", "1000"}) || proc["cwd"] != "/" {
		t.Errorf("process = %v", proc)
	}
	root := cfg["root"].(map[string]any)
	if root["path"] != "/abs/rootfs" || root["readonly"] != true {
		t.Errorf("root = %v", root)
	}
	if cfg["linux"].(map[string]any)["cgroupsPath"] != "/ocikit-bench-1/c1" {
		t.Errorf("linux = %v", cfg["linux"])
	}
	// The base is untouched: every container's config starts from it.
	if base["process"].(map[string]any)["terminal"] != true || base["root"].(map[string]any)["path"] != "rootfs" {
		t.Errorf("base modified: %v", base)
	}
	if _, ok := base["linux"].(map[string]any)["cgroupsPath"]; ok {
		t.Error("base got a cgroupsPath")
	}
	// A minimal base gets the sections it lacks.
	cfg = EditConfig(map[string]any{}, "/r", "/p/c", []string{"true"})
	if cfg["root"].(map[string]any)["path"] != "/r" || cfg["linux"].(map[string]any)["cgroupsPath"] != "/p/c" {
		t.Errorf("minimal: %v", cfg)
	}
}

func TestRuntimeArgs(t *testing.T) {
	o := OcikitTools("/b", "/s")
	r := RuncStyle(Runc, "/usr/sbin/runc", "/r")
	for _, c := range []struct{ got, want []string }{
		{o.RunArgs("c", "/bd"), []string{"/b/oci-run", "--root", "/s", "--bundle", "/bd", "c"}},
		{o.CreateArgs("c", "/bd", "/p"), []string{"/b/oci-create", "--root", "/s", "--bundle", "/bd", "--pid-file", "/p", "c"}},
		{o.StartArgs("c"), []string{"/b/oci-start", "--root", "/s", "c"}},
		{o.DeleteArgs("c"), []string{"/b/oci-delete", "--root", "/s", "--force", "c"}},
		{o.StateArgs("c"), []string{"/b/oci-state", "--root", "/s", "c"}},
		{o.ListArgs(), []string{"/b/oci-state", "--root", "/s"}},
		{r.RunArgs("c", "/bd"), []string{"/usr/sbin/runc", "--root", "/r", "run", "--bundle", "/bd", "c"}},
		{r.CreateArgs("c", "/bd", ""), []string{"/usr/sbin/runc", "--root", "/r", "create", "--bundle", "/bd", "c"}},
		{r.StartArgs("c"), []string{"/usr/sbin/runc", "--root", "/r", "start", "c"}},
		{r.DeleteArgs("c"), []string{"/usr/sbin/runc", "--root", "/r", "delete", "-f", "c"}},
		{r.StateArgs("c"), []string{"/usr/sbin/runc", "--root", "/r", "state", "c"}},
		{r.ListArgs(), []string{"/usr/sbin/runc", "--root", "/r", "list"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
