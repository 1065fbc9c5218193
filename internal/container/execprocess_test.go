package container

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExecProcess(t *testing.T) {
	base := &specs.Process{
		Args: []string{"sh"}, Env: []string{"PATH=/bin", "A=1"}, Cwd: "/srv",
		User:         specs.User{UID: 5, GID: 6},
		Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}},
		ConsoleSize:  &specs.Box{Height: 1, Width: 2},
	}
	p, err := ExecProcess(base, nil, ExecOverrides{
		Args: []string{"id"}, Env: []string{"A=2", "B=3"}, User: "7:8", AdditionalGids: []uint32{9},
		Caps: []string{"net_raw", "CAP_KILL"}, NoNewPrivs: true, Terminal: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Args, []string{"id"}) || !reflect.DeepEqual(p.Env, []string{"PATH=/bin", "A=2", "B=3"}) ||
		p.Cwd != "/srv" || p.User.UID != 7 || p.User.GID != 8 || !reflect.DeepEqual(p.User.AdditionalGids, []uint32{9}) ||
		!p.NoNewPrivileges || !p.Terminal || p.ConsoleSize != nil {
		t.Fatalf("process %+v", p)
	}
	if !reflect.DeepEqual(p.Capabilities.Bounding, []string{"CAP_KILL", "CAP_NET_RAW"}) ||
		!reflect.DeepEqual(p.Capabilities.Permitted, []string{"CAP_NET_RAW", "CAP_KILL"}) {
		t.Fatalf("caps %+v", p.Capabilities)
	}
	if base.Env[1] != "A=1" || base.Args[0] != "sh" || len(base.Capabilities.Bounding) != 1 {
		t.Fatal("the container's own process was changed")
	}
	p, err = ExecProcess(base, []byte(`{"args":["ls"],"cwd":"/tmp","env":["X=1"]}`), ExecOverrides{Terminal: true})
	if err != nil || p.Args[0] != "ls" || p.Cwd != "/tmp" || !p.Terminal || len(p.Env) != 1 {
		t.Fatalf("from JSON: %+v, %v", p, err)
	}
	for _, bad := range []ExecOverrides{{}, {Args: []string{"x"}, User: "root"}, {Args: []string{"x"}, User: "1:g"}, {Args: []string{"x"}, Env: []string{"NOEQ"}}} {
		if _, err := ExecProcess(base, nil, bad); err == nil {
			t.Errorf("ExecProcess(%+v) succeeded", bad)
		}
	}
	if _, err := ExecProcess(base, []byte(`{"args":[]}`), ExecOverrides{}); err == nil {
		t.Error("empty args in a process file accepted")
	}
}
