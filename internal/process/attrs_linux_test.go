package process

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestPersonalityValue(t *testing.T) {
	for _, tc := range []struct {
		p    specs.LinuxPersonality
		want uintptr
		err  string
	}{
		{p: specs.LinuxPersonality{Domain: specs.PerLinux}, want: perLinux},
		{p: specs.LinuxPersonality{Domain: specs.PerLinux32}, want: perLinux32},
		{p: specs.LinuxPersonality{Domain: "LINUX64"}, err: `linux.personality.domain: unknown domain "LINUX64"`},
		{p: specs.LinuxPersonality{Domain: specs.PerLinux, Flags: []specs.LinuxPersonalityFlag{"ADDR_NO_RANDOMIZE"}},
			err: `linux.personality.flags: "ADDR_NO_RANDOMIZE": no personality flag is defined by the runtime-spec`},
	} {
		got, err := personalityValue(&tc.p)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%+v: error %v, want %q", tc.p, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: %#x, %v; want %#x", tc.p, got, err, tc.want)
		}
	}
	if err := SetPersonality(nil); err != nil {
		t.Errorf("SetPersonality(nil): %v", err)
	}
}

func TestParseNodeList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint64
		err  bool
	}{
		{in: "", want: nil},
		{in: "0", want: []uint64{1}},
		{in: "0-2,5", want: []uint64{0b100111}},
		{in: "63,64", want: []uint64{1 << 63, 1}},
		{in: " 1 , 3 ", want: []uint64{0b1010}},
		{in: "2-1", err: true},
		{in: "a", err: true},
		{in: "-1", err: true},
		{in: "4096", err: true},
		{in: "0,,1", err: true},
	} {
		got, err := parseNodeList(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("%q: no error, got %v", tc.in, got)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if s := nodeListString(got); tc.in == "0-2,5" && s != "0,1,2,5" {
			t.Errorf("nodeListString(%v) = %q", got, s)
		}
	}
}

func TestParseMemPolicy(t *testing.T) {
	for _, tc := range []struct {
		mp   specs.LinuxMemoryPolicy
		mode int
		err  string
	}{
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}, mode: mpolBind},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0-1", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}},
			mode: mpolInterleave | mpolFStaticNodes},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFNumaBalancing}},
			mode: mpolBind | mpolFNumaBalancing},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}, mode: mpolPreferred},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolLocal}, mode: mpolLocal},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: "0"}, mode: mpolWeightedInterleave},
		{mp: specs.LinuxMemoryPolicy{Mode: "MPOL_FOO"}, err: `linux.memoryPolicy.mode: unknown mode "MPOL_FOO"`},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"MPOL_F_X"}},
			err: `linux.memoryPolicy.flags[0]: unknown flag "MPOL_F_X"`},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind}, err: "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Nodes: "0"}, err: `linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes, got "0"`},
		{mp: specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "x"}, err: `linux.memoryPolicy.nodes: "x": not a node number: "x"`},
	} {
		got, err := parseMemPolicy(&tc.mp)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%+v: error %v, want %q", tc.mp, err, tc.err)
			}
			continue
		}
		if err != nil || got.mode != tc.mode {
			t.Errorf("%+v: mode %#x, %v; want %#x", tc.mp, got.mode, err, tc.mode)
		}
	}
}

func TestMaskMinus(t *testing.T) {
	if got := maskMinus([]uint64{0b11, 1}, []uint64{0b01}); fmt.Sprint(got) != "[2 1]" {
		t.Errorf("maskMinus = %v", got)
	}
	if got := maskMinus([]uint64{1}, []uint64{1, 1}); got != nil {
		t.Errorf("maskMinus = %v, want nil", got)
	}
}

// fakeAttrs records the writes and answers as a kernel would.
type fakeAttrs struct {
	files  map[string]error // rel -> the write's error; absent: no such file
	writes []string
}

func (f *fakeAttrs) writeSelfAttr(rel, value string) (bool, error) {
	err, ok := f.files[rel]
	if !ok {
		return true, fmt.Errorf("open /proc/thread-self/%s: %w", rel, unix.ENOENT)
	}
	if err == nil {
		f.writes = append(f.writes, rel+"="+value)
	}
	return false, err
}

func TestExecLabelPath(t *testing.T) {
	for _, tc := range []struct {
		name              string
		apparmor, selinux string
		files             map[string]error
		want              string
		err               string
	}{
		{name: "nothing", files: map[string]error{}},
		{name: "apparmor own file", apparmor: "p1", files: map[string]error{"attr/apparmor/exec": nil, "attr/exec": nil},
			want: "attr/apparmor/exec=exec p1"},
		{name: "apparmor before 5.1", apparmor: "p1", files: map[string]error{"attr/exec": nil},
			want: "attr/exec=exec p1"},
		{name: "selinux", selinux: "system_u:system_r:container_t:s0:c1,c2", files: map[string]error{"attr/apparmor/exec": nil, "attr/exec": nil},
			want: "attr/exec=system_u:system_r:container_t:s0:c1,c2"},
		{name: "both", apparmor: "p1", selinux: "l", files: map[string]error{"attr/apparmor/exec": nil, "attr/exec": nil},
			want: "attr/apparmor/exec=exec p1 attr/exec=l"},
		// An unknown profile is ENOENT from the write itself: no fallback
		// to attr/exec, whose owner may be another module.
		{name: "unknown profile", apparmor: "nope", files: map[string]error{"attr/apparmor/exec": unix.ENOENT, "attr/exec": nil},
			err: `process.apparmorProfile "nope": no such profile or label loaded (no such file or directory)`},
		{name: "no lsm", selinux: "l", files: map[string]error{"attr/exec": unix.EINVAL},
			err: `process.selinuxLabel "l": the kernel's security module does not take it (not active, or the label is malformed) (invalid argument)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAttrs{files: tc.files}
			err := writeExecLabels(f, execLabelWrites(tc.apparmor, tc.selinux))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.writes, " "); got != tc.want {
				t.Errorf("writes %q, want %q", got, tc.want)
			}
		})
	}
	if err := SetExecLabel("", ""); err != nil {
		t.Errorf("SetExecLabel with no label: %v", err)
	}
}

// TestSetAttrsExec sets a personality and a memory policy in a child (the
// test binary again), which then execs busybox: both must survive execve.
// Neither needs privilege.
func TestSetAttrsExec(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skip("needs " + busybox)
	}
	for _, tc := range []struct {
		name string
		l    specs.Linux
		want string
	}{
		{name: "linux32", l: specs.Linux{Personality: &specs.LinuxPersonality{Domain: specs.PerLinux32}}, want: "i686 00000008"},
		{name: "interleave", l: specs.Linux{MemoryPolicy: &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}}, want: "interleave:0"},
		{name: "bind", l: specs.Linux{MemoryPolicy: &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}}, want: "bind:0"},
		{name: "local", l: specs.Linux{MemoryPolicy: &specs.LinuxMemoryPolicy{Mode: specs.MpolLocal}}, want: "local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if runtime.GOARCH != "amd64" && tc.l.Personality != nil {
				t.Skip("the i686 answer is amd64's")
			}
			b, _ := json.Marshal(tc.l)
			cmd := exec.Command(os.Args[0], "-test.run=^TestAttrsHelper$")
			cmd.Env = append(os.Environ(), "OCIKIT_ATTRS_HELPER="+string(b))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output %q, want %q in it", out, tc.want)
			}
		})
	}
	t.Run("node not online", func(t *testing.T) {
		online, err := os.ReadFile("/sys/devices/system/node/online")
		if err != nil || strings.TrimSpace(string(online)) != "0" {
			t.Skip("needs a machine with node 0 alone")
		}
		err = SetMemoryPolicy(&specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-1"})
		want := "linux.memoryPolicy.nodes: node 1 not online or not allowed here (allowed: 0)"
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	})
}

func TestAttrsHelper(t *testing.T) {
	v := os.Getenv("OCIKIT_ATTRS_HELPER")
	if v == "" {
		t.Skip("helper process of TestSetAttrsExec")
	}
	runtime.LockOSThread()
	var l specs.Linux
	err := json.Unmarshal([]byte(v), &l)
	if err == nil {
		err = SetPersonality(l.Personality)
	}
	if err == nil {
		err = SetMemoryPolicy(l.MemoryPolicy)
	}
	if err == nil {
		script := `echo "$(uname -m) $(cat /proc/self/personality)"; head -n1 /proc/self/numa_maps`
		err = syscall.Exec(busybox, []string{"sh", "-c", script}, nil)
	}
	fmt.Fprintln(os.Stderr, "helper:", err, errors.Unwrap(err))
	os.Exit(3)
}
