package containerinit

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/initproto"
)

// The hooks the init runs read the state the runtime sent, with their
// status and the init's own pid: the number the container's pid namespace
// gives it, which the runtime cannot know.
func TestHookState(t *testing.T) {
	cfg := &initproto.Config{ID: "c1", HookState: &specs.State{
		Version: "1.3.0", ID: "c1", Pid: 4242, Bundle: "/b",
		Annotations: map[string]string{"k": "v"},
	}}
	st := hookState(cfg, specs.StateCreated)
	if st.Pid != os.Getpid() || st.Status != specs.StateCreated || st.Bundle != "/b" ||
		st.Version != "1.3.0" || st.ID != "c1" || st.Annotations["k"] != "v" {
		t.Errorf("state %+v; want the runtime's with status created and pid %d", st, os.Getpid())
	}
	if cfg.HookState.Pid != 4242 || cfg.HookState.Status != "" {
		t.Error("hookState changed the Config's state")
	}
	// Without a state from the runtime: the id, status and pid.
	st = hookState(&initproto.Config{ID: "c2"}, specs.StateCreating)
	if st.ID != "c2" || st.Status != specs.StateCreating || st.Pid != os.Getpid() {
		t.Errorf("state %+v; want id c2, status creating, pid %d", st, os.Getpid())
	}
}
