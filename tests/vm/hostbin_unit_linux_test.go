package vm

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestPayloadDirs(t *testing.T) {
	files := []payloadFile{
		{name: "usr/sbin/criu"},
		{name: "lib/x86_64-linux-gnu/libc.so.6"},
		{name: "lib64/ld-linux-x86-64.so.2"},
	}
	got := payloadDirs(files, []string{"lib", "lib64", "usr"})
	want := []string{"lib/x86_64-linux-gnu", "usr/sbin"}
	if !slices.Equal(got, want) {
		t.Errorf("payloadDirs = %q, want %q", got, want)
	}
	got = payloadDirs(files, nil)
	want = []string{"lib", "lib/x86_64-linux-gnu", "lib64", "usr", "usr/sbin"}
	if !slices.Equal(got, want) {
		t.Errorf("payloadDirs without any = %q, want %q (parents first)", got, want)
	}
}

// dynamicHostBinary returns a dynamically linked program of the host
// that needs libc, or skips.
func dynamicHostBinary(t *testing.T) string {
	t.Helper()
	for _, p := range append(slices.Clone(guestHostBinaries), "/bin/ls", "/usr/bin/ls") {
		if deps, err := elfClosure(p, hostLibDirs); err == nil && len(deps) > 1 {
			return p
		}
	}
	t.Skip("no dynamically linked program on this host to resolve")
	return ""
}

func TestHostPayloadResolves(t *testing.T) {
	bin := dynamicHostBinary(t)
	files, skipped := hostPayload([]string{bin, bin}, hostLibDirs)
	if len(skipped) != 0 {
		t.Fatalf("skipped %q", skipped)
	}
	names := map[string]bool{}
	for _, f := range files {
		if names[f.name] {
			t.Errorf("%s listed twice", f.name)
		}
		names[f.name] = true
		if strings.HasPrefix(f.name, "/") {
			t.Errorf("archive name %q is absolute", f.name)
		}
	}
	if files[0].name != strings.TrimPrefix(bin, "/") {
		t.Errorf("first file %q, want the program %s", files[0].name, bin)
	}
	if !names["lib64/ld-linux-x86-64.so.2"] {
		t.Errorf("no program interpreter in %v", names)
	}
	libc := false
	for n := range names {
		libc = libc || strings.HasSuffix(n, "/libc.so.6")
	}
	if !libc {
		t.Errorf("no libc.so.6 in %v", names)
	}
}

func TestHostPayloadLeftOut(t *testing.T) {
	bin := dynamicHostBinary(t)
	files, skipped := hostPayload([]string{"/nonexistent/criu", bin}, []string{t.TempDir()})
	if len(files) != 0 {
		t.Errorf("files %v, want none: neither program can run", files)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0], "no /nonexistent/criu on the host") ||
		!strings.Contains(skipped[1], bin) || !strings.Contains(skipped[1], "not found") {
		t.Errorf("skipped %q, want the absent program, then %s with its library not found", skipped, bin)
	}
	// A static program has nothing to resolve.
	files, skipped = hostPayload([]string{"/bin/busybox"}, nil)
	if len(skipped) != 0 || len(files) != 1 || files[0].name != "bin/busybox" {
		t.Errorf("static busybox: files %v, skipped %q", files, skipped)
	}
}

// payloadProbes are how TestHostPayloadRuns runs each program: --version
// unless listed. newuidmap and newgidmap have no version option and exit
// 1 with their usage when given no arguments, which still shows the
// loader found every library (a missing one ends with "error while
// loading shared libraries" and status 127).
var payloadProbes = map[string]struct {
	args     []string
	status   int
	wantText string
}{
	"/usr/sbin/ip":       {args: []string{"-V"}, wantText: "iproute2"},
	"/usr/bin/newuidmap": {status: 1, wantText: "usage: newuidmap"},
	"/usr/bin/newgidmap": {status: 1, wantText: "usage: newgidmap"},
}

// TestHostPayloadRuns copies the payload into an empty tree, as the
// guest gets it, and runs each program there under chroot: no
// ld.so.cache, nothing of the host's /usr, so a library the resolution
// missed fails here rather than in a guest boot. The modes are the
// archive's, so a set-user-ID program keeps its bit.
func TestHostPayloadRuns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: chroot")
	}
	files, skipped := hostPayload(guestHostBinaries, hostLibDirs)
	for _, s := range skipped {
		t.Logf("left out: %s", s)
	}
	if len(files) == 0 {
		t.Skip("none of the guest's host programs is on this host")
	}
	root := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, f.name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		// WriteFile's mode passes through the umask and never sets
		// the set-user-ID bit; chmod(2) takes the archive's as is.
		if err := syscall.Chmod(dst, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, bin := range guestHostBinaries {
		if _, err := os.Stat(filepath.Join(root, bin)); err != nil {
			continue
		}
		probe, ok := payloadProbes[bin]
		if !ok {
			probe.args = []string{"--version"}
		}
		cmd := exec.Command(bin, probe.args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
		cmd.Dir = "/"
		out, err := cmd.CombinedOutput()
		status := cmd.ProcessState.ExitCode()
		if status != probe.status || !strings.Contains(string(out), probe.wantText) {
			t.Errorf("%s %q in the payload tree: status %d (%v), want %d and %q: %s", bin, probe.args, status, err, probe.status, probe.wantText, out)
			continue
		}
		t.Logf("%s %q: %s", bin, probe.args, strings.TrimSpace(string(out)))
	}
}

// TestHostPayloadModes: the payload keeps the host's modes, the
// set-user-ID bit of newuidmap and newgidmap included.
func TestHostPayloadModes(t *testing.T) {
	files, _ := hostPayload(guestHostBinaries, hostLibDirs)
	checked := 0
	for _, f := range files {
		fi, err := os.Stat(f.src)
		if err != nil {
			t.Fatal(err)
		}
		if want := statPerm(fi.Mode()); f.mode != want {
			t.Errorf("%s: mode %#o, want the host's %#o", f.name, f.mode, want)
		}
		if f.name == "usr/bin/newuidmap" || f.name == "usr/bin/newgidmap" {
			checked++
			if f.mode&0o4000 == 0 {
				t.Errorf("%s: mode %#o lacks set-user-ID (the host's is %v)", f.name, f.mode, fi.Mode())
			}
		}
	}
	if checked == 0 {
		t.Skip("no newuidmap or newgidmap on this host (package uidmap)")
	}
}

func TestStatPerm(t *testing.T) {
	for _, c := range []struct {
		m    fs.FileMode
		want uint32
	}{
		{0o755, 0o755},
		{0o644, 0o644},
		{fs.ModeSetuid | 0o755, 0o4755},
		{fs.ModeSetgid | 0o755, 0o2755},
		{fs.ModeSticky | fs.ModeDir | 0o777, 0o1777},
	} {
		if got := statPerm(c.m); got != c.want {
			t.Errorf("statPerm(%v) = %#o, want %#o", c.m, got, c.want)
		}
	}
}

func TestHostData(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "profile.json")
	if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Past the umask.
	if err := os.Chmod(f, 0o644); err != nil {
		t.Fatal(err)
	}
	files, skipped := hostData([]string{f, filepath.Join(dir, "absent.json"), dir})
	want := payloadFile{name: strings.TrimPrefix(f, "/"), src: f, mode: 0o644}
	if len(files) != 1 || files[0] != want {
		t.Errorf("files %+v, want only %+v", files, want)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0], "no "+dir+"/absent.json on the host") ||
		!strings.Contains(skipped[1], "not a regular file") {
		t.Errorf("skipped %q, want the absent file, then the directory", skipped)
	}
}
