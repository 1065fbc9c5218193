package specedit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
)

// TestChangesBadInput: each bad value is refused before the document is
// read, with an error naming its flag.
func TestChangesBadInput(t *testing.T) {
	cases := []struct {
		c    Changes
		want string
	}{
		{Changes{}, "no change given"},
		{Changes{Env: []string{"A"}}, `--env "A": want KEY=VALUE`},
		{Changes{Env: []string{"=1"}}, `--env "": want a variable name`},
		{Changes{Env: []string{"A=\x00"}}, `--env`},
		{Changes{UnsetEnv: []string{"A=1"}}, `--unset-env "A=1"`},
		{Changes{Cwd: "srv"}, `--cwd "srv": not an absolute path`},
		{Changes{User: "alice"}, `--user "alice": "alice" is not a numeric ID`},
		{Changes{User: "1:x"}, `--user "1:x": "x"`},
		{Changes{User: "4294967295"}, `--user "4294967295"`},
		{Changes{User: "-1"}, `--user "-1"`},
		{Changes{AdditionalGids: []string{"1,,2"}}, `--additional-gids "1,,2"`},
		{Changes{Hostname: ptr(strings.Repeat("h", 65))}, `--hostname`},
		{Changes{Hostname: ptr("a b")}, `--hostname "a b"`},
		{Changes{CapAdd: []string{"CAP_FLY"}}, `--cap-add "CAP_FLY": unknown capability`},
		{Changes{CapDrop: []string{"nope"}}, `--cap-drop "nope": unknown capability`},
		{Changes{CapAdd: []string{"kill"}, CapDrop: []string{"CAP_KILL"}}, `--cap-add and --cap-drop both name CAP_KILL`},
		{Changes{CapAdd: []string{"all"}, CapDrop: []string{"ALL"}}, `contradict`},
		{Changes{Rlimits: []string{"nofile"}}, `--rlimit "nofile": want TYPE=SOFT[:HARD]`},
		{Changes{Rlimits: []string{"files=1"}}, `--rlimit "files=1": unknown resource "files"`},
		{Changes{Rlimits: []string{"nofile=x"}}, `--rlimit "nofile=x": limit "x"`},
		{Changes{Rlimits: []string{"nofile=10:5"}}, `soft limit above the hard limit`},
		{Changes{Rlimits: []string{"nofile=1:"}}, `limit ""`},
		{Changes{Mounts: []string{"src=/a"}}, `--mount "src=/a": no destination`},
		{Changes{Mounts: []string{"dst=/a"}}, `a bind mount needs a source`},
		{Changes{Mounts: []string{"type=tmpfs,dst=a"}}, `destination "a" is not an absolute path`},
		{Changes{Mounts: []string{"type=tmpfs,dst=/a,ro"}}, `field "ro" is not KEY=VALUE`},
		{Changes{Mounts: []string{"type=tmpfs,dst=/a,size=1"}}, `unknown key "size"`},
		{Changes{Mounts: []string{"dst=/a,target=/b"}}, `destination given twice`},
		{Changes{Mounts: []string{"type=,dst=/a"}}, `empty type`},
		{Changes{Mounts: []string{"type=tmpfs,dst=/a,options=ro,,x"}}, `empty mount option`},
		{Changes{Unmounts: []string{"data"}}, `--unmount "data": not an absolute path`},
		{Changes{Namespaces: []string{"pids"}}, `--namespace "pids": unknown namespace type "pids"`},
		{Changes{Namespaces: []string{"net=netns/x"}}, `path "netns/x" is not absolute`},
		{Changes{NoNamespaces: []string{"net=/x"}}, `--no-namespace "net=/x": unknown namespace type`},
		{Changes{Sysctls: []string{"kernel.x"}}, `--sysctl "kernel.x": want KEY=VALUE`},
		{Changes{Sysctls: []string{"net/../x=1"}}, `empty component`},
		{Changes{Sysctls: []string{"net..x=1"}}, `empty component`},
		{Changes{Sysctls: []string{".=1"}}, `empty component`},
		{Changes{Sysctls: []string{"a b=1"}}, `spaces`},
		{Changes{Annotations: []string{"=v"}}, `--annotation "=v": want KEY=VALUE`},
		{Changes{Memory: "lots"}, `--memory: "lots" is not a size`},
		{Changes{Memory: "1x"}, `--memory: "1x" is not a size`},
		{Changes{Memory: "m"}, `--memory: "m" is not a size`},
		{Changes{Memory: "100"}, `below one page`},
		{Changes{Memory: "99999999t"}, `too large`},
		{Changes{CPUs: "two"}, `--cpus "two": not a number`},
		{Changes{CPUs: "NaN"}, `--cpus "NaN": not a number`},
		{Changes{CPUs: "0.001"}, `below 0.01`},
		{Changes{CPUs: "-1"}, `below 0.01`},
		{Changes{PidsLimit: "0"}, `--pids-limit "0": want a positive number`},
		{Changes{PidsLimit: "x"}, `--pids-limit "x"`},
	}
	for _, c := range cases {
		_, err := c.c.Edit()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.c, err, c.want)
		}
	}
}

// TestChangesBadDocument: removals of what is not there, and values of the
// wrong type in the document, fail and name what is wrong.
func TestChangesBadDocument(t *testing.T) {
	cases := []struct {
		doc  string
		c    Changes
		want string
	}{
		{"", Changes{UnsetEnv: []string{"NOPE"}}, `--unset-env "NOPE": not set`},
		{"", Changes{Unmounts: []string{"/nope"}}, `--unmount "/nope": no mount`},
		{"", Changes{NoNamespaces: []string{"time"}}, `--no-namespace "time": no time namespace`},
		{`{"process":{"env":"A=1"}}`, Changes{Env: []string{"B=2"}}, `process.env: not an array`},
		{`{"mounts":{}}`, Changes{Mounts: []string{"type=tmpfs,dst=/t"}}, `mounts: not an array`},
		{`{"process":{"capabilities":[]}}`, Changes{CapAdd: []string{"kill"}}, `process.capabilities: not an object`},
		{`{"linux":{"sysctl":3}}`, Changes{Sysctls: []string{"a=1"}}, `linux.sysctl: not an object`},
		{`{"process":3}`, Changes{Cwd: "/"}, `"process.cwd"`},
		{`{"linux":{"namespaces":3}}`, Changes{Rootless: true}, `--rootless`},
		{`{`, Changes{Cwd: "/"}, `not valid JSON`},
	}
	for _, c := range cases {
		doc := []byte(c.doc)
		if c.doc == "" {
			doc = defaultDoc(t)
		}
		out, err := apply(t, c.c, doc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with %+v: %v (result %s), want an error containing %q", c.doc, c.c, err, out, c.want)
		}
	}
}

// TestChangesOnEmptyDocument: every edit creates what it needs.
func TestChangesOnEmptyDocument(t *testing.T) {
	c := Changes{
		Env: []string{"A=1"}, User: "1:2", CapAdd: []string{"kill"}, Rlimits: []string{"core=0"},
		Mounts: []string{"type=tmpfs,dst=/t"}, Namespaces: []string{"pid"}, Sysctls: []string{"a.b=1"},
		Annotations: []string{"x.y=z"}, CPUs: "1", Readonly: ptr(true),
	}
	out, err := apply(t, c, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if s.Process.Env[0] != "A=1" || s.Process.User.GID != 2 || s.Process.Capabilities.Ambient[0] != "CAP_KILL" ||
		s.Process.Rlimits[0].Type != "RLIMIT_CORE" || s.Mounts[0].Source != "tmpfs" ||
		s.Linux.Namespaces[0].Type != "pid" || s.Linux.Sysctl["a.b"] != "1" || s.Annotations["x.y"] != "z" ||
		*s.Linux.Resources.CPU.Quota != 100000 || !s.Root.Readonly {
		t.Errorf("unexpected result:\n%s", out)
	}
}

// TestRootless: --rootless on the default spec gives what generating a
// rootless spec gives, and leaves unknown fields alone.
func TestRootless(t *testing.T) {
	doc := defaultDoc(t)
	doc, err := Set(doc, "mounts.0.x-extra", "kept", false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := apply(t, Changes{Rootless: true, RootlessUID: 1000, RootlessGID: 1001}, doc)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.Spec
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := spec.Default()
	spec.ToRootless(want, 1000, 1001)
	// The devpts mount loses its only uid/gid option but keeps the key.
	for i := range want.Mounts {
		if want.Mounts[i].Options == nil && got.Mounts[i].Options != nil && len(got.Mounts[i].Options) == 0 {
			got.Mounts[i].Options = nil
		}
	}
	if !reflect.DeepEqual(&got, want) {
		g, _ := json.MarshalIndent(&got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("rootless conversion:\n%s\nwant\n%s", g, w)
	}
	if v, _ := Get(out, "mounts.0.x-extra"); v != "kept" {
		t.Errorf("unknown field lost:\n%s", out)
	}
	// Converting twice changes nothing more.
	again, err := apply(t, Changes{Rootless: true, RootlessUID: 1000, RootlessGID: 1001}, out)
	if err != nil || string(again) != string(out) {
		t.Errorf("second conversion changed the document (%v):\n%s", err, again)
	}
	// An explicit flag wins over the conversion: it applies after.
	out, err = apply(t, Changes{Rootless: true, Memory: "1g"}, defaultDoc(t))
	if err != nil || compactAt(t, out, "linux.resources") != `{"memory":{"limit":1073741824}}` {
		t.Errorf("rootless then memory: %v\n%s", err, out)
	}
}

// TestSetArgs: oci-spec args.
func TestSetArgs(t *testing.T) {
	e, err := SetArgs([]string{"sh", "-c", "echo \"hi\" <&>"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e(defaultDoc(t))
	if err != nil || compactAt(t, out, "process.args") != `["sh","-c","echo \"hi\" <&>"]` {
		t.Errorf("args = %s, %v", compactAt(t, out, "process.args"), err)
	}
	if _, err := SetArgs(nil); err == nil {
		t.Error("no args accepted")
	}
	if _, err := SetArgs([]string{""}); err == nil {
		t.Error("empty program accepted")
	}
}
