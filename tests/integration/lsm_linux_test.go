package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// needAppArmor skips unless AppArmor is active here with its securityfs
// interface and apparmor_parser can load profiles; it returns the
// parser's path. This host's kernel has no AppArmor; the v2 guest's has
// it as its default LSM.
func needAppArmor(t *testing.T) string {
	t.Helper()
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err != nil || strings.TrimSpace(string(b)) != "Y" {
		t.Skip("no AppArmor on this kernel (/sys/module/apparmor/parameters/enabled is not Y)")
	}
	if _, err := os.Stat("/sys/kernel/security/apparmor/profiles"); err != nil {
		t.Skip("AppArmor is not the active LSM here, or securityfs is not mounted: " + err.Error())
	}
	parser, err := exec.LookPath("apparmor_parser")
	if err != nil {
		if parser, err = exec.LookPath("/usr/sbin/apparmor_parser"); err != nil {
			t.Skip("needs apparmor_parser (Debian's apparmor package) to load a profile")
		}
	}
	return parser
}

// loadProfile loads an AppArmor profile from text and removes it when
// the test ends. -K: no cache is read or written.
func loadProfile(t *testing.T, parser, text string) {
	t.Helper()
	run := func(flag string) error {
		cmd := exec.Command(parser, flag, "-K")
		cmd.Stdin = strings.NewReader(text)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apparmor_parser %s: %w: %s", flag, err, out.String())
		}
		return nil
	}
	if err := run("-r"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := run("-R"); err != nil {
			t.Error(err)
		}
	})
}

// TestAppArmorProfile: process.apparmorProfile confines the program, not
// the runtime. The profile allows everything the program does but
// reading /etc/hostname. Inside, /proc/self/attr/current names the
// profile in enforce mode and the read is denied; from the host the
// created container's init is still unconfined (the label goes to the
// program's execve) and the running program is confined, as is a process
// oci-exec adds.
func TestAppArmorProfile(t *testing.T) {
	parser := needAppArmor(t)
	r := newRT(t)
	name := fmt.Sprintf("ocikit-test-%d", os.Getpid())
	loadProfile(t, parser, "profile "+name+" flags=(attach_disconnected) {\n"+
		"  file,\n  capability,\n  signal,\n  ptrace,\n  unix,\n  network,\n"+
		"  deny /etc/hostname r,\n}\n")
	b := r.bundle()
	if err := os.WriteFile(filepath.Join(b.rootfs, "etc", "hostname"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.spec.Process.ApparmorProfile = name
	out := r.inside(b, "cat /proc/self/attr/current; echo; cat /etc/hostname 2>/dev/null && echo READ || echo DENIED")
	want := name + " (enforce)\n\nDENIED\n"
	if strings.ReplaceAll(out, "\x00", "") != want {
		t.Errorf("inside: %q, want %q", out, want)
	}

	b.spec.Process.Args = []string{"sleep", "1000"}
	id := r.id("apparmor")
	st := r.create(b, id)
	attr := "/proc/" + strconv.Itoa(st.Pid) + "/attr/current"
	if got := readLabel(t, attr); got != "unconfined" {
		t.Errorf("created: %s = %q, want unconfined", attr, got)
	}
	r.must("oci-start", id)
	eventually(t, "the program to run confined", func() bool { return readLabel(t, attr) == name+" (enforce)" })
	// oci-exec's process is the container's with other args: the same
	// profile, applied by the exec role.
	res := r.oci("oci-exec", id, "cat", "/proc/self/attr/current")
	if got := strings.TrimSpace(strings.ReplaceAll(res.stdout, "\x00", "")); res.code != 0 || got != name+" (enforce)" {
		t.Errorf("oci-exec: %s, want %q", res, name+" (enforce)")
	}
	r.must("oci-delete", "--force", id)
}

func readLabel(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", ""))
}

// TestAppArmorUnknownProfile: a profile the kernel does not know fails
// the create in one line naming the field and the profile.
func TestAppArmorUnknownProfile(t *testing.T) {
	needAppArmor(t)
	r := newRT(t)
	b := r.bundle("true")
	name := fmt.Sprintf("ocikit-no-such-profile-%d", os.Getpid())
	b.spec.Process.ApparmorProfile = name
	r.runFails(b, "process.apparmorProfile", name, "no such profile")
}
