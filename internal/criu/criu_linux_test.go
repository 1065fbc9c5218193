package criu

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestFirstError(t *testing.T) {
	for _, c := range []struct{ name, log, want string }{
		{"check", "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\nError (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n",
			"vdso: Unexpected rt vDSO area bounds"},
		{"timestamped", "(00.001000) Info ok\n(00.002000) Error (criu/mount.c:12): mnt: No mapping for 42:(null) mountpoint\n",
			"mnt: No mapping for 42:(null) mountpoint"},
		{"bare", "Warn: x\nError: something broke\n", "something broke"},
		{"none", "Looks good.\n", ""},
		{"helper exit", "(00.2) Error (criu/util.c:642): exited, status=1\n(00.2) Error (criu/filesystems.c:426): Can't dump tmpfs content\n",
			"Can't dump tmpfs content"},
		{"only helper exit", "(00.2) Error (criu/util.c:642): exited, status=1\n", "exited, status=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := FirstError(strings.NewReader(c.log)); got != c.want {
				t.Errorf("FirstError = %q, want %q", got, c.want)
			}
		})
	}
}

func TestHelperOutput(t *testing.T) {
	log := "(00.1) mnt: x\ntar: unrecognized option '--no-unquote'\nBusyBox v1.35.0\n(00.2) Error (criu/util.c:642): exited, status=1\n"
	if got := HelperOutput(strings.NewReader(log)); got != "tar: unrecognized option '--no-unquote'" {
		t.Errorf("HelperOutput = %q", got)
	}
	if got := HelperOutput(strings.NewReader("(00.1) a\n(00.2) b\n")); got != "" {
		t.Errorf("HelperOutput of criu's own lines = %q", got)
	}
}

func TestDumpArgs(t *testing.T) {
	o := DumpOptions{
		Common: Common{ImageDir: "/img", TCPEstablished: true, FileLocks: true,
			Mounts: map[string]string{"/data": "/data", "/a": "/a"}},
		Pid: 42, LeaveRunning: true,
	}
	got, err := o.Args()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dump", "-t", "42", "-D", "/img", "-W", "/img", "--manage-cgroups=soft",
		"--tcp-established", "--file-locks", "-R",
		"--external", "mnt[/a]:/a", "--external", "mnt[/data]:/data"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args\n got %q\nwant %q", got, want)
	}
}

func TestRestoreArgs(t *testing.T) {
	o := RestoreOptions{
		Common: Common{ImageDir: "/img", WorkDir: "/work", ManageCgroups: "full", ShellJob: true, ExtUnixSk: true,
			Mounts: map[string]string{"/data": "/srv/data"}},
		Root: "/mnt/root", PidFile: "/run/pid",
		CgroupRoots: map[string]string{"": "/ocikit-x", "cpu,cpuacct": "/ocikit-x"},
		InheritFDs:  map[int]string{2: "pipe:[8]", 0: "pipe:[7]"},
	}
	got, err := o.Args()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"restore", "-D", "/img", "-W", "/work", "--manage-cgroups=full", "--ext-unix-sk", "--shell-job",
		"--root", "/mnt/root", "--restore-detached", "--pidfile", "/run/pid",
		"--cgroup-root", "/ocikit-x", "--cgroup-root", "cpu,cpuacct:/ocikit-x",
		"--external", "mnt[/data]:/srv/data",
		"--inherit-fd", "fd[0]:pipe:[7]", "--inherit-fd", "fd[2]:pipe:[8]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args\n got %q\nwant %q", got, want)
	}
}

func TestArgsErrors(t *testing.T) {
	if _, err := (&DumpOptions{Common: Common{ImageDir: "/i"}, Pid: 1}).Args(); err != nil {
		t.Errorf("minimal dump: %v", err)
	}
	for name, f := range map[string]func() error{
		"no pid":    func() error { _, err := (&DumpOptions{Common: Common{ImageDir: "/i"}}).Args(); return err },
		"no images": func() error { _, err := (&DumpOptions{Pid: 1}).Args(); return err },
		"bad mode": func() error {
			_, err := (&DumpOptions{Common: Common{ImageDir: "/i", ManageCgroups: "hard"}, Pid: 1}).Args()
			return err
		},
		"no root": func() error {
			_, err := (&RestoreOptions{Common: Common{ImageDir: "/i"}, PidFile: "/p"}).Args()
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDescriptors(t *testing.T) {
	dir := t.TempDir()
	d := [3]string{"/dev/null", "pipe:[12]", "pipe:[12]"}
	if err := SaveDescriptors(dir, d); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDescriptors(dir)
	if err != nil || got != d {
		t.Fatalf("LoadDescriptors = %q, %v; want %q", got, err, d)
	}
	if m := Inherit(got); !reflect.DeepEqual(m, map[int]string{1: "pipe:[12]"}) {
		t.Errorf("Inherit = %v, want only fd 1", m)
	}
	if m := Inherit([3]string{"socket:[3]", "/dev/pts/0", ""}); !reflect.DeepEqual(m, map[int]string{0: "socket:[3]"}) {
		t.Errorf("Inherit = %v, want only fd 0", m)
	}
	empty, err := LoadDescriptors(t.TempDir())
	if err != nil || empty != ([3]string{}) {
		t.Errorf("no file: %q, %v", empty, err)
	}
	if err := os.WriteFile(filepath.Join(dir, DescriptorsFile), []byte(`["a"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDescriptors(dir); err == nil {
		t.Error("one descriptor: no error")
	}
}

func TestReadDescriptors(t *testing.T) {
	d, err := ReadDescriptors("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for fd, link := range d {
		want, err := os.Readlink(filepath.Join("/proc/self/fd", string(rune('0'+fd))))
		if err != nil {
			want = ""
		}
		if link != want {
			t.Errorf("fd %d: %q, want %q", fd, link, want)
		}
	}
}

func TestFind(t *testing.T) {
	if _, err := Find(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("a missing binary: no error")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Find(exe); err != nil || got != exe {
		t.Errorf("Find(%q) = %q, %v", exe, got, err)
	}
}

func TestCheckFails(t *testing.T) {
	// A stand-in criu that fails its check as Debian's 3.17 does on 6.18.
	bin := filepath.Join(t.TempDir(), "criu")
	script := "#!/bin/sh\necho 'Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds' >&2\n" +
		"echo 'Error (criu/crtools.c:260): Could not initialize kernel features detection.' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Check(bin)
	if err == nil || err.Error() != "criu check: vdso: Unexpected rt vDSO area bounds" {
		t.Errorf("Check = %v", err)
	}
	ok := filepath.Join(t.TempDir(), "criu")
	if err := os.WriteFile(ok, []byte("#!/bin/sh\necho Looks good.\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Check(ok); err != nil {
		t.Errorf("passing check: %v", err)
	}
}

func TestParseSession(t *testing.T) {
	for _, c := range []struct {
		name, status string
		want         Session
	}{
		{"leader in its namespace", "Name:\tsh\nNStgid:\t170\t1\nNSpid:\t170\t1\nNSpgid:\t170\t1\nNSsid:\t170\t1\n", Session{Leader: true}},
		{"session outside", "NSpid:\t170\t1\nNSpgid:\t99\t0\nNSsid:\t98\t0\n", Session{Outside: true}},
		{"member inside", "NSpid:\t171\t2\nNSpgid:\t170\t1\nNSsid:\t170\t1\n", Session{}},
		{"no namespace", "NSpid:\t5\nNSpgid:\t5\nNSsid:\t5\n", Session{Leader: true}},
	} {
		got, err := parseSession([]byte(c.status))
		if err != nil || got != c.want {
			t.Errorf("%s: parseSession = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if _, err := parseSession([]byte("NSpid:\t1\nNSsid:\t1\n")); err == nil {
		t.Error("no NSpgid: no error")
	}
}

func TestReadSession(t *testing.T) {
	// The test's own session depends on how it was started (a terminal, a
	// CI job whose session leader sits in an outer pid namespace), so the
	// expectation comes from getsid and getpgrp, which see the same thing:
	// the kernel reports 0 for a leader outside our pid namespace.
	s, err := ReadSession("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	want := Session{
		Leader:  int(sid) == os.Getpid() && syscall.Getpgrp() == os.Getpid(),
		Outside: sid == 0,
	}
	if s != want {
		t.Errorf("ReadSession = %+v, want %+v (getsid %d, getpgrp %d, pid %d)", s, want, sid, syscall.Getpgrp(), os.Getpid())
	}
}
