package integration

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runFails runs the bundle with oci-run, expecting it to fail, and checks
// the one error line names each of want; nothing may be left behind.
func (r *rt) runFails(b *bundle, want ...string) {
	r.t.Helper()
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	id := r.id("refused")
	res := r.exec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
	assertClean(r.t, r.root, id)
	if res.code == 0 {
		r.t.Fatalf("oci-run succeeded: %s", res)
	}
	errLine(r.t, res, "oci-run", id, want...)
}

// TestPersonality: linux.personality LINUX32 makes uname report a 32-bit
// machine inside, and the host sees persona 8 on the container's process,
// through the waiter and the start; an oci-exec process has it too. A
// flag is refused by name.
func TestPersonality(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" {
		t.Skip("the 32-bit answer checked (i686) is amd64's")
	}
	t.Run("inside", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := r.bundle()
		b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
		got := strings.Fields(r.inside(b, "uname -m; cat /proc/self/personality"))
		if strings.Join(got, " ") != "i686 00000008" {
			t.Errorf("uname -m and personality inside: %q, want i686 00000008", got)
		}
	})
	t.Run("from the host", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := r.bundle("sleep", "1000")
		b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
		id := r.id("persona")
		st := r.create(b, id)
		if got := hostPersonality(t, st.Pid); got != "00000008" {
			t.Errorf("created: /proc/%d/personality %q, want 00000008", st.Pid, got)
		}
		r.must("oci-start", id)
		if got := hostPersonality(t, st.Pid); got != "00000008" {
			t.Errorf("running: /proc/%d/personality %q, want 00000008", st.Pid, got)
		}
		// A process oci-exec adds takes the container's personality.
		if got := strings.TrimSpace(r.must("oci-exec", id, "uname", "-m")); got != "i686" {
			t.Errorf("oci-exec uname -m: %q, want i686", got)
		}
		r.must("oci-delete", "--force", id)
	})
	t.Run("LINUX", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := r.bundle()
		b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux}
		if got := strings.TrimSpace(r.inside(b, "uname -m")); got != "x86_64" {
			t.Errorf("uname -m inside: %q, want x86_64", got)
		}
	})
	t.Run("flag refused", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := r.bundle("true")
		b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux, Flags: []specs.LinuxPersonalityFlag{"ADDR_NO_RANDOMIZE"}}
		r.runFails(b, "linux.personality.flags", "ADDR_NO_RANDOMIZE")
	})
}

func hostPersonality(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/personality")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestMemoryPolicy: linux.memoryPolicy is the program's task policy,
// which /proc/PID/numa_maps shows on each mapping that has none of its
// own, inside, from the host and in an oci-exec process. The machines
// this runs on have node 0 alone, so every policy names node 0.
func TestMemoryPolicy(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/numa_maps"); err != nil {
		t.Skip("no NUMA support in this kernel (no /proc/self/numa_maps)")
	}
	_, weighted := os.Stat("/sys/kernel/mm/mempolicy/weighted_interleave")
	for _, tc := range []struct {
		name string
		mp   specs.LinuxMemoryPolicy
		want string // the policy in numa_maps; "" when refused
		err  []string
	}{
		{name: "bind", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}, want: "bind:0"},
		{name: "interleave", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}, want: "interleave:0"},
		{name: "preferred", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0"}, want: "prefer:0"},
		{name: "preferred many", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolPreferredMany, Nodes: "0"}, want: "prefer (many):0"},
		{name: "local", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolLocal}, want: "local"},
		{name: "static nodes", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}},
			want: "bind=static:0"},
		{name: "weighted interleave", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: "0"}, want: "weighted interleave:0"},
		{name: "node not online", mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-1"},
			err: []string{"linux.memoryPolicy.nodes", "node 1 not online"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.name == "weighted interleave" && weighted != nil {
				tc.want, tc.err = "", []string{"linux.memoryPolicy.mode", "MPOL_WEIGHTED_INTERLEAVE is not supported by this kernel"}
			}
			if tc.name == "node not online" && nodeOnline(t, 1) {
				t.Skip("node 1 is online here")
			}
			r := newRT(t)
			b := r.bundle()
			b.spec.Linux.MemoryPolicy = &tc.mp
			if tc.want == "" {
				b.spec.Process.Args = []string{"true"}
				r.runFails(b, tc.err...)
				return
			}
			if got := policyOf(r.inside(b, "head -n1 /proc/self/numa_maps")); got != tc.want {
				t.Errorf("numa_maps inside: policy %q, want %q", got, tc.want)
			}
			if tc.name != "bind" {
				return
			}
			// From the host, on the running program.
			b.spec.Process.Args = []string{"sleep", "1000"}
			id := r.id("mempolicy")
			st := r.detach(b, id)
			data, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/numa_maps")
			if err != nil {
				t.Fatal(err)
			}
			if got := policyOf(string(data)); got != tc.want {
				t.Errorf("/proc/%d/numa_maps: policy %q, want %q", st.Pid, got, tc.want)
			}
			// A process oci-exec adds takes the container's policy.
			if got := policyOf(r.must("oci-exec", id, "head", "-n1", "/proc/self/numa_maps")); got != tc.want {
				t.Errorf("oci-exec: numa_maps policy %q, want %q", got, tc.want)
			}
			r.must("oci-delete", "--force", id)
		})
	}
}

// policyOf returns the policy of the first mapping in numa_maps text: the
// words between the address and the first key=value.
func policyOf(numaMaps string) string {
	line, _, _ := strings.Cut(numaMaps, "\n")
	f := strings.Fields(line)
	var words []string
	for _, w := range f[min(1, len(f)):] {
		if strings.Contains(w, "=") && !strings.HasPrefix(w, "bind=") && !strings.HasPrefix(w, "interleave=") && !strings.HasPrefix(w, "prefer=") {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

func nodeOnline(t *testing.T, node int) bool {
	t.Helper()
	_, err := os.Stat("/sys/devices/system/node/node" + strconv.Itoa(node))
	return err == nil
}
