package speccmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/spec"
)

// modifyTool is a tool with the commands of modify.go, as oci-spec has
// them.
type modifyTool struct {
	cli.Globals
	Bundle
	Args Args   `cmd:""`
	Edit Modify `cmd:""`
}

// runTool runs the tool with args and stdin, returning the exit status,
// stdout and stderr.
func runTool(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main("oci-spec", "test", &modifyTool{}, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func defaultConfig(t *testing.T) string {
	t.Helper()
	data, err := spec.Marshal(spec.Default())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func decode(t *testing.T, data string) *specs.Spec {
	t.Helper()
	var s specs.Spec
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		t.Fatalf("%v:\n%s", err, data)
	}
	return &s
}

func TestArgs(t *testing.T) {
	cases := [][]string{
		{"args", "-f", "-", "--", "sh", "-c", "echo hi"},
		{"args", "-f", "-", "sh", "-c", "echo hi"},
		{"-b", "/nonexistent", "args", "-f", "-", "sh", "-c", "echo hi"},
	}
	for _, args := range cases {
		code, out, errOut := runTool(t, defaultConfig(t), args...)
		if code != 0 {
			t.Errorf("%q: exit %d: %s", args, code, errOut)
			continue
		}
		if got := decode(t, out).Process.Args; !reflect.DeepEqual(got, []string{"sh", "-c", "echo hi"}) {
			t.Errorf("%q: args = %q", args, got)
		}
	}
	// A program that starts with a dash after --.
	code, out, errOut := runTool(t, defaultConfig(t), "args", "-f", "-", "--", "-x")
	if got := decode(t, out).Process.Args; code != 0 || !reflect.DeepEqual(got, []string{"-x"}) {
		t.Errorf("args -- -x: exit %d, %q, %s", code, got, errOut)
	}
	// A second -- is the program's.
	code, out, errOut = runTool(t, defaultConfig(t), "args", "-f", "-", "--", "--", "x")
	if got := decode(t, out).Process.Args; code != 0 || !reflect.DeepEqual(got, []string{"--", "x"}) {
		t.Errorf("args -- -- x: exit %d, %q, %s", code, got, errOut)
	}
	if code, _, errOut := runTool(t, defaultConfig(t), "args", "-f", "-"); code != cli.ExitUsage {
		t.Errorf("args without a program: exit %d, %s", code, errOut)
	}
}

func TestModifyBundle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	if err := os.WriteFile(p, []byte(defaultConfig(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTool(t, "", "-b", dir, "edit",
		"--env", "A=1,2", "--env", "B=3", "--unset-env", "TERM", "--cwd", "/srv", "--user", "1000:1000",
		"--no-terminal", "--hostname", "box", "--no-readonly",
		"--mount", "type=tmpfs,dst=/tmp,options=nosuid,mode=1777", "--unmount", "/dev/mqueue",
		"--namespace", "net=/run/netns/a", "--no-namespace", "cgroup",
		"--cap-drop", "ALL", "--cap-add", "net_bind_service", "--rlimit", "nofile=10:20",
		"--sysctl", "net.ipv4.ip_forward=1", "--annotation", "org.example.k=v",
		"--memory", "512m", "--cpus", "0.5", "--pids-limit", "64", "--additional-gids", "5,6")
	if code != 0 || out != "" {
		t.Fatalf("edit: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	data, _ := os.ReadFile(p)
	s := decode(t, string(data))
	checks := []struct {
		name      string
		got, want any
	}{
		{"env", s.Process.Env, []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1,2", "B=3"}},
		{"cwd", s.Process.Cwd, "/srv"},
		{"user", s.Process.User, specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 6}}},
		{"terminal", s.Process.Terminal, false},
		{"hostname", s.Hostname, "box"},
		{"readonly", s.Root.Readonly, false},
		{"mount", s.Mounts[len(s.Mounts)-1], specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=1777"}}},
		{"mounts", len(s.Mounts), 7},
		{"namespaces", s.Linux.Namespaces[1], specs.LinuxNamespace{Type: "network", Path: "/run/netns/a"}},
		{"namespace count", len(s.Linux.Namespaces), 5},
		{"caps", s.Process.Capabilities.Inheritable, []string{"CAP_NET_BIND_SERVICE"}},
		{"rlimit", s.Process.Rlimits, []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 20, Soft: 10}}},
		{"sysctl", s.Linux.Sysctl, map[string]string{"net.ipv4.ip_forward": "1"}},
		{"annotation", s.Annotations, map[string]string{"org.example.k": "v"}},
		{"memory", *s.Linux.Resources.Memory.Limit, int64(512 << 20)},
		{"cpu", [2]int64{*s.Linux.Resources.CPU.Quota, int64(*s.Linux.Resources.CPU.Period)}, [2]int64{50000, 100000}},
		{"pids", *s.Linux.Resources.Pids.Limit, int64(64)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	// What the flags wrote is a valid spec.
	if _, ps, err := spec.CheckFile(p, nil, spec.Options{}); err != nil || spec.HasErrors(ps) {
		t.Errorf("edited config does not validate: %v %v", err, ps)
	}
	// --terminal and --readonly turn them back on.
	if code, _, errOut := runTool(t, "", "-b", dir, "edit", "--terminal", "--readonly"); code != 0 {
		t.Fatalf("edit --terminal --readonly: exit %d: %s", code, errOut)
	}
	data, _ = os.ReadFile(p)
	if s := decode(t, string(data)); !s.Process.Terminal || !s.Root.Readonly {
		t.Errorf("terminal %v, readonly %v", s.Process.Terminal, s.Root.Readonly)
	}
}

func TestModifyRootless(t *testing.T) {
	code, out, errOut := runTool(t, defaultConfig(t), "edit", "-f", "-", "--rootless")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := spec.Default()
	spec.ToRootless(want, uint32(os.Geteuid()), uint32(os.Getegid()))
	got := decode(t, out)
	if !reflect.DeepEqual(got.Linux.UIDMappings, want.Linux.UIDMappings) || got.Linux.Resources != nil ||
		!reflect.DeepEqual(got.Linux.Namespaces, want.Linux.Namespaces) {
		t.Errorf("rootless edit:\n%s", out)
	}
	if _, ps, err := spec.CheckFile("-", strings.NewReader(out), spec.Options{}); err != nil || spec.HasErrors(ps) {
		t.Errorf("rootless config does not validate: %v %v", err, ps)
	}
}

func TestModifyErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"edit", "-f", "-"}, cli.ExitUsage, "no change given"},
		{[]string{"edit", "-f", "-", "--cpus", "x"}, cli.ExitUsage, `--cpus "x": not a number`},
		{[]string{"edit", "-f", "-", "--cap-add", "fly"}, cli.ExitUsage, `--cap-add "fly": unknown capability`},
		{[]string{"edit", "-f", "-", "--unmount", "/nope"}, cli.ExitFailure, `--unmount "/nope": no mount`},
		{[]string{"edit", "-f", "-", "--no-namespace", "time"}, cli.ExitFailure, `no time namespace`},
	}
	for _, c := range cases {
		code, out, errOut := runTool(t, defaultConfig(t), c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
	// A missing config names its path.
	dir := t.TempDir()
	code, _, errOut := runTool(t, "", "-b", dir, "edit", "--cwd", "/")
	if code != cli.ExitFailure || !strings.Contains(errOut, filepath.Join(dir, "config.json")) {
		t.Errorf("missing config: exit %d, %s", code, errOut)
	}
}
