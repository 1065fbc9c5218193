package specedit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ocikit/ocikit/internal/spec"
)

// defaultDoc is the default config.json as oci-spec writes it.
func defaultDoc(t *testing.T) []byte {
	t.Helper()
	data, err := spec.Marshal(spec.Default())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ptr[T any](v T) *T { return &v }

// compactAt returns the compact JSON text at path in doc, or "<missing>".
func compactAt(t *testing.T, doc []byte, path string) string {
	t.Helper()
	r := gjson.GetBytes(doc, path)
	if !r.Exists() {
		return "<missing>"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(r.Raw)); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b.String()
}

func apply(t *testing.T, c Changes, doc []byte) ([]byte, error) {
	t.Helper()
	e, err := c.Edit()
	if err != nil {
		return nil, err
	}
	return e(doc)
}

func TestChanges(t *testing.T) {
	cases := []struct {
		name string
		c    Changes
		want map[string]string // path -> compact JSON
	}{
		{"env add", Changes{Env: []string{"A=1", "B=x=y"}}, map[string]string{
			"process.env": `["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm","A=1","B=x=y"]`}},
		{"env replace keeps place", Changes{Env: []string{"PATH=/bin", "TERM="}}, map[string]string{
			"process.env": `["PATH=/bin","TERM="]`}},
		{"env html kept", Changes{Env: []string{"X=<a>&b"}}, map[string]string{
			"process.env.2": `"X=<a>&b"`}},
		{"unset env", Changes{UnsetEnv: []string{"TERM"}}, map[string]string{
			"process.env": `["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]`}},
		{"unset then set", Changes{UnsetEnv: []string{"PATH"}, Env: []string{"PATH=/x"}}, map[string]string{
			"process.env": `["TERM=xterm","PATH=/x"]`}},
		{"cwd", Changes{Cwd: "/srv"}, map[string]string{"process.cwd": `"/srv"`}},
		{"user uid only", Changes{User: "1000"}, map[string]string{"process.user": `{"uid":1000,"gid":0}`}},
		{"user uid gid", Changes{User: "1000:100"}, map[string]string{"process.user": `{"uid":1000,"gid":100}`}},
		{"additional gids", Changes{AdditionalGids: []string{"10,20", "30"}}, map[string]string{
			"process.user.additionalGids": `[10,20,30]`}},
		{"additional gids cleared", Changes{AdditionalGids: []string{""}}, map[string]string{
			"process.user.additionalGids": `[]`}},
		{"terminal off", Changes{Terminal: ptr(false)}, map[string]string{"process.terminal": `false`}},
		{"hostname", Changes{Hostname: ptr("box")}, map[string]string{"hostname": `"box"`}},
		{"hostname digits stay a string", Changes{Hostname: ptr("123")}, map[string]string{"hostname": `"123"`}},
		{"readonly off", Changes{Readonly: ptr(false)}, map[string]string{"root.readonly": `false`}},
		{"cap add", Changes{CapAdd: []string{"sys_admin", "CAP_KILL"}}, map[string]string{
			"process.capabilities.bounding":    `["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SYS_ADMIN"]`,
			"process.capabilities.inheritable": `["CAP_SYS_ADMIN","CAP_KILL"]`,
			"process.capabilities.ambient":     `["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SYS_ADMIN"]`}},
		{"cap drop", Changes{CapDrop: []string{"kill", "net_raw"}}, map[string]string{
			"process.capabilities.effective":   `["CAP_AUDIT_WRITE","CAP_NET_BIND_SERVICE"]`,
			"process.capabilities.inheritable": `<missing>`}},
		{"cap drop all add one", Changes{CapDrop: []string{"ALL"}, CapAdd: []string{"NET_BIND_SERVICE"}}, map[string]string{
			"process.capabilities": `{"bounding":["CAP_NET_BIND_SERVICE"],"effective":["CAP_NET_BIND_SERVICE"],"permitted":["CAP_NET_BIND_SERVICE"],"ambient":["CAP_NET_BIND_SERVICE"],"inheritable":["CAP_NET_BIND_SERVICE"]}`}},
		{"rlimit replace", Changes{Rlimits: []string{"nofile=4096:8192"}}, map[string]string{
			"process.rlimits": `[{"type":"RLIMIT_NOFILE","hard":8192,"soft":4096}]`}},
		{"rlimit add", Changes{Rlimits: []string{"RLIMIT_CORE=unlimited", "nproc=10"}}, map[string]string{
			"process.rlimits.1": `{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}`,
			"process.rlimits.2": `{"type":"RLIMIT_NPROC","hard":10,"soft":10}`}},
		{"mount bind", Changes{Mounts: []string{"type=bind,src=/data,dst=/data,options=ro"}}, map[string]string{
			"mounts.#": `8`,
			"mounts.7": `{"destination":"/data","type":"bind","source":"/data","options":["rbind","ro"]}`}},
		{"mount default type bind keeps bind", Changes{Mounts: []string{"source=/a,target=/b,options=bind,ro"}}, map[string]string{
			"mounts.7": `{"destination":"/b","type":"bind","source":"/a","options":["bind","ro"]}`}},
		{"mount tmpfs options with commas", Changes{Mounts: []string{"type=tmpfs,destination=/tmp,options=nosuid,mode=1777,size=64m"}}, map[string]string{
			"mounts.7": `{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=1777","size=64m"]}`}},
		{"mount replaces in place", Changes{Mounts: []string{"type=tmpfs,dst=/dev/shm/"}}, map[string]string{
			"mounts.#": `7`,
			"mounts.3": `{"destination":"/dev/shm/","type":"tmpfs","source":"tmpfs"}`}},
		{"unmount", Changes{Unmounts: []string{"/dev/mqueue", "/sys/fs/cgroup/"}}, map[string]string{
			"mounts.#.destination": `["/proc","/dev","/dev/pts","/dev/shm","/sys"]`}},
		{"namespace add with path", Changes{Namespaces: []string{"time", "net=/run/netns/x"}}, map[string]string{
			"linux.namespaces.1": `{"type":"network","path":"/run/netns/x"}`,
			"linux.namespaces.6": `{"type":"time"}`}},
		{"namespace path removed", Changes{Namespaces: []string{"net=/x", "network"}}, map[string]string{
			"linux.namespaces.1": `{"type":"network"}`}},
		{"no namespace", Changes{NoNamespaces: []string{"NET", "cgroup"}}, map[string]string{
			"linux.namespaces.#.type": `["pid","ipc","uts","mount"]`}},
		{"sysctl", Changes{Sysctls: []string{"net.ipv4.ip_forward=1", "kernel/msgmax=8192"}}, map[string]string{
			"linux.sysctl": `{"net.ipv4.ip_forward":"1","kernel/msgmax":"8192"}`}},
		{"annotation odd key", Changes{Annotations: []string{"org.example/a*b?c|d#e@f!g:h\\i=v", "k="}}, map[string]string{
			"annotations": `{"org.example/a*b?c|d#e@f!g:h\\i":"v","k":""}`}},
		{"memory", Changes{Memory: "512m"}, map[string]string{"linux.resources.memory": `{"limit":536870912}`}},
		{"memory bytes", Changes{Memory: "1048576"}, map[string]string{"linux.resources.memory.limit": `1048576`}},
		{"memory GiB fraction", Changes{Memory: "1.5GiB"}, map[string]string{"linux.resources.memory.limit": `1610612736`}},
		{"memory unlimited", Changes{Memory: "unlimited"}, map[string]string{"linux.resources.memory.limit": `-1`}},
		{"cpus", Changes{CPUs: "1.5"}, map[string]string{"linux.resources.cpu": `{"quota":150000,"period":100000}`}},
		{"pids", Changes{PidsLimit: "100"}, map[string]string{"linux.resources.pids": `{"limit":100}`}},
		{"pids unlimited", Changes{PidsLimit: "unlimited"}, map[string]string{"linux.resources.pids.limit": `-1`}},
		{"composed", Changes{Env: []string{"A=1"}, Cwd: "/w", Hostname: ptr("h"), Readonly: ptr(false), Memory: "1g"}, map[string]string{
			"process.env.2": `"A=1"`, "process.cwd": `"/w"`, "hostname": `"h"`, "root.readonly": `false`,
			"linux.resources.memory.limit": `1073741824`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := apply(t, c.c, defaultDoc(t))
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON:\n%s", out)
			}
			for p, want := range c.want {
				if got := compactAt(t, out, p); got != want {
					t.Errorf("%s = %s, want %s", p, got, want)
				}
			}
		})
	}
}

// TestFormattingKept: a change to one value leaves every other byte of the
// file as it was.
func TestFormattingKept(t *testing.T) {
	doc := defaultDoc(t)
	out, err := apply(t, Changes{Hostname: ptr("box"), Terminal: ptr(false)}, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(doc), `"hostname": "runc"`, `"hostname": "box"`, 1)
	want = strings.Replace(want, `"terminal": true`, `"terminal": false`, 1)
	if string(out) != want {
		t.Errorf("formatting changed:\n%s", out)
	}
	// Removing an element keeps the lines around it.
	out, err = apply(t, Changes{UnsetEnv: []string{"TERM"}}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("\"env\": [\n\t\t\t\"PATH=")) || bytes.Contains(out, []byte("TERM")) {
		t.Errorf("unset-env changed the layout:\n%s", out)
	}
}
