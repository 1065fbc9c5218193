package integration

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// statusLine returns the value of one "Key:\tvalue" line of a
// /proc/PID/status text.
func statusLine(t *testing.T, status, key string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s line in:\n%s", key, status)
	return ""
}

func capMask(caps ...int) string {
	var m uint64
	for _, c := range caps {
		m |= 1 << c
	}
	return fmt.Sprintf("%016x", m)
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*specs.Process)
		sets map[string]string
		nnp  string
	}{{
		// The default spec as root: ambient caps are listed without
		// inheritable ones, so the kernel cannot raise them; exec as
		// root gives the bounding set, limited by no_new_privs to what
		// was permitted.
		name: "default-root",
		edit: func(p *specs.Process) {},
		sets: map[string]string{
			"CapInh": capMask(),
			"CapPrm": capMask(unix.CAP_AUDIT_WRITE, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapEff": capMask(unix.CAP_AUDIT_WRITE, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapBnd": capMask(unix.CAP_AUDIT_WRITE, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapAmb": capMask(),
		},
		nnp: "1",
	}, {
		// An ordinary user keeps across exec only its ambient set in
		// permitted and effective; inheritable and bounding are as set.
		name: "user-ambient",
		edit: func(p *specs.Process) {
			p.User = specs.User{UID: 1000, GID: 1000}
			p.NoNewPrivileges = false
			p.Capabilities = &specs.LinuxCapabilities{
				Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"},
				Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
				Effective:   []string{"CAP_KILL"},
				Inheritable: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
				Ambient:     []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
			}
		},
		sets: map[string]string{
			"CapInh": capMask(unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapPrm": capMask(unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapEff": capMask(unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
			"CapBnd": capMask(unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE, unix.CAP_SETUID),
			"CapAmb": capMask(unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
		},
		nnp: "0",
	}, {
		// No capabilities at all, as root.
		name: "none",
		edit: func(p *specs.Process) { p.Capabilities = &specs.LinuxCapabilities{} },
		sets: map[string]string{
			"CapInh": capMask(), "CapPrm": capMask(), "CapEff": capMask(),
			"CapBnd": capMask(), "CapAmb": capMask(),
		},
		nnp: "1",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle()
			c.edit(b.spec.Process)
			status := r.inside(b, "cat /proc/self/status")
			for key, want := range c.sets {
				if got := statusLine(t, status, key); got != want {
					t.Errorf("%s = %s, want %s", key, got, want)
				}
			}
			if got := statusLine(t, status, "NoNewPrivs"); got != c.nnp {
				t.Errorf("NoNewPrivs = %s, want %s", got, c.nnp)
			}
		})
	}
}

func TestRlimits(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	// Only lowering: raising a hard limit needs CAP_SYS_RESOURCE.
	b.spec.Process.Rlimits = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 300, Hard: 400},
		{Type: "RLIMIT_CORE", Soft: 1024, Hard: 2048},
		{Type: "RLIMIT_STACK", Soft: 4 << 20, Hard: 6 << 20},
	}
	limits := r.inside(b, "cat /proc/self/limits")
	for _, re := range []string{
		`Max open files\s+300\s+400\s+files`,
		`Max core file size\s+1024\s+2048\s+bytes`,
		`Max stack size\s+4194304\s+6291456\s+bytes`,
	} {
		if !regexp.MustCompile(re).MatchString(limits) {
			t.Errorf("/proc/self/limits has no line matching %q:\n%s", re, limits)
		}
	}
}

func TestUserAndGroups(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	umask := uint32(0o027)
	b.spec.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 20}, Umask: &umask}
	out := r.inside(b, "id -u; id -g; umask; cat /proc/self/status")
	lines := strings.SplitN(out, "\n", 4)
	if len(lines) < 4 {
		t.Fatalf("output: %q", out)
	}
	if lines[0] != "1000" || lines[1] != "1001" {
		t.Errorf("id -u, id -g = %s, %s; want 1000, 1001", lines[0], lines[1])
	}
	if lines[2] != "0027" {
		t.Errorf("umask = %s, want 0027", lines[2])
	}
	status := lines[3]
	for key, want := range map[string]string{
		"Uid":    "1000\t1000\t1000\t1000",
		"Gid":    "1001\t1001\t1001\t1001",
		"Groups": "10 20",
	} {
		if got := statusLine(t, status, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestCwdEnvHostname(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	b.spec.Process.Cwd = "/etc"
	b.spec.Process.Env = []string{"PATH=/bin", "FOO=bar baz", "EMPTY="}
	b.spec.Hostname = "ctr-host"
	b.spec.Domainname = "ctr.example"
	b.spec.Process.Args = sh("pwd; hostname; cat /proc/sys/kernel/domainname; env")
	// The runtime's own environment must not reach the container.
	res := r.runWith(runOpts{env: []string{"OCIKIT_TEST_LEAK=1"}}, b)
	if res.code != 0 {
		t.Fatalf("oci-run: %s", res)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) < 3 {
		t.Fatalf("output: %q", res.stdout)
	}
	if lines[0] != "/etc" {
		t.Errorf("pwd = %q, want /etc", lines[0])
	}
	if lines[1] != "ctr-host" || lines[2] != "ctr.example" {
		t.Errorf("hostname, domainname = %q, %q; want ctr-host, ctr.example", lines[1], lines[2])
	}
	env := map[string]bool{}
	for _, l := range lines[3:] {
		env[l] = true
	}
	for _, want := range b.spec.Process.Env {
		if !env[want] {
			t.Errorf("env lacks %q: %q", want, lines[3:])
		}
	}
	for l := range env {
		if strings.HasPrefix(l, "OCIKIT_") || strings.HasPrefix(l, "_OCIKIT") {
			t.Errorf("the runtime's environment leaked into the container: %q", l)
		}
	}
}

func TestSysctl(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	b.spec.Linux.Sysctl = map[string]string{
		"kernel.shm_rmid_forced": "1",
		"net.ipv4.ip_forward":    "1",
	}
	out := r.inside(b, "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_forward")
	if out != "1\n1\n" {
		t.Errorf("sysctls read back %q, want 1 and 1", out)
	}
}

func TestOOMScoreAdj(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	// Raising works without privilege; lowering would need
	// CAP_SYS_RESOURCE.
	adj := 500
	b.spec.Process.OOMScoreAdj = &adj
	if out := r.inside(b, "cat /proc/self/oom_score_adj"); out != "500\n" {
		t.Errorf("oom_score_adj = %q, want 500", out)
	}
}
