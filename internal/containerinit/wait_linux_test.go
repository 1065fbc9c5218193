package containerinit

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/initproto"
)

// TestWaiterFitsLabel: with an exec label the Go init execs the program
// itself, since the label goes to the thread's next execve, which would
// otherwise be the waiter's.
func TestWaiterFitsLabel(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    specs.Process
		want bool
	}{
		{name: "no label", p: specs.Process{Args: []string{"sh"}}, want: true},
		{name: "apparmor", p: specs.Process{Args: []string{"sh"}, ApparmorProfile: "p"}, want: false},
		{name: "selinux", p: specs.Process{Args: []string{"sh"}, SelinuxLabel: "u:r:t:s0"}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			cfg := &initproto.Config{ExeFD: 5, Spec: &specs.Spec{Process: &p}}
			if got := waiterFits(cfg, nil); got != tc.want {
				t.Errorf("waiterFits = %v, want %v", got, tc.want)
			}
		})
	}
}
