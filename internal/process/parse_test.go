package process

import (
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseRlimits(t *testing.T) {
	got, err := ParseRlimits([]specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096},
		{Type: "RLIMIT_CORE", Soft: 0, Hard: ^uint64(0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Resource != unix.RLIMIT_NOFILE || got[0].Limit.Cur != 1024 || got[0].Limit.Max != 4096 ||
		got[1].Resource != unix.RLIMIT_CORE || got[1].Limit.Max != ^uint64(0) {
		t.Errorf("ParseRlimits = %+v", got)
	}
	for _, tc := range []struct {
		in   []specs.POSIXRlimit
		want string
	}{
		{[]specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}, `process.rlimits: unknown type "RLIMIT_BOGUS"`},
		{[]specs.POSIXRlimit{{Type: "nofile"}}, `unknown type "nofile"`},
		{[]specs.POSIXRlimit{{Type: "RLIMIT_NPROC"}, {Type: "RLIMIT_NPROC"}}, "RLIMIT_NPROC given twice"},
		{[]specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}}, "soft limit 2 above hard limit 1"},
	} {
		if _, err := ParseRlimits(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRlimits(%+v) error = %v; want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseCapabilities(t *testing.T) {
	s, err := ParseCapabilities(&specs.LinuxCapabilities{
		Bounding:    []string{"CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"},
		Effective:   []string{"CAP_KILL"},
		Permitted:   []string{"cap_kill", "NET_BIND_SERVICE"},
		Inheritable: nil,
		Ambient:     []string{"CAP_KILL"},
	}, 40)
	if err != nil {
		t.Fatal(err)
	}
	want := CapSets{Bounding: 1<<10 | 1<<5 | 1<<40, Effective: 1 << 5, Permitted: 1<<5 | 1<<10, Ambient: 1 << 5}
	if s != want {
		t.Errorf("ParseCapabilities = %+v; want %+v", s, want)
	}

	// A kernel that stops at CAP_BPF (39) does not know
	// CAP_CHECKPOINT_RESTORE: it is left out, not an error.
	s, err = ParseCapabilities(&specs.LinuxCapabilities{Bounding: []string{"CAP_CHECKPOINT_RESTORE", "CAP_BPF"}}, 39)
	if err != nil || s.Bounding != 1<<39 {
		t.Errorf("ParseCapabilities on an older kernel = %+v, %v", s, err)
	}

	if s, err := ParseCapabilities(nil, 40); err != nil || s != (CapSets{}) {
		t.Errorf("ParseCapabilities(nil) = %+v, %v", s, err)
	}

	_, err = ParseCapabilities(&specs.LinuxCapabilities{Ambient: []string{"CAP_KILL", "CAP_BOGUS"}}, 40)
	if err == nil || !strings.Contains(err.Error(), "process.capabilities.ambient") || !strings.Contains(err.Error(), "CAP_BOGUS") {
		t.Errorf("unknown ambient capability: error = %v", err)
	}
}

func TestLastCap(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skipf("no /proc/sys/kernel/cap_last_cap: %v", err)
	}
	want, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if got := LastCap(); got != want {
		t.Errorf("LastCap() = %d; want %d", got, want)
	}
}
