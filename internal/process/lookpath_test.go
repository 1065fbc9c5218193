package process

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// writeFile makes a file with the given mode, whatever the umask.
func writeFile(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b, filepath.Join(a, "subdir")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(a, "noexec"), 0o644)
	writeFile(t, filepath.Join(b, "noexec"), 0o755) // later in PATH: found
	writeFile(t, filepath.Join(a, "onlynoexec"), 0o644)
	writeFile(t, filepath.Join(b, "prog"), 0o755)
	writeFile(t, filepath.Join(a, "prog"), 0o755) // earlier in PATH: wins
	env := []string{"HOME=/", "PATH=/nonexistent:" + a + ":" + b}

	for _, tc := range []struct {
		arg0, want string
	}{
		{"prog", filepath.Join(a, "prog")},
		{"noexec", filepath.Join(b, "noexec")},
		{filepath.Join(b, "prog"), filepath.Join(b, "prog")},
	} {
		got, err := LookPath(tc.arg0, env)
		if err != nil || got != tc.want {
			t.Errorf("LookPath(%q) = %q, %v; want %q", tc.arg0, got, err, tc.want)
		}
	}

	for _, tc := range []struct {
		arg0 string
		is   error
		want string
	}{
		{"missing", ErrNotFound, `exec "missing": executable file not found in $PATH`},
		{"", ErrNotFound, `exec "": executable file not found in $PATH`},
		{"subdir", ErrNotFound, `exec "subdir": executable file not found in $PATH`},
		{"onlynoexec", unix.EACCES, `exec "onlynoexec": permission denied`},
		{"/bin/x-nonexistent", unix.ENOENT, `exec "/bin/x-nonexistent": no such file or directory`},
		{filepath.Join(a, "noexec"), unix.EACCES, `exec "` + filepath.Join(a, "noexec") + `": permission denied`},
		{filepath.Join(a, "subdir"), unix.EACCES, `exec "` + filepath.Join(a, "subdir") + `": not a regular file: permission denied`},
	} {
		_, err := LookPath(tc.arg0, env)
		if !errors.Is(err, tc.is) || err.Error() != tc.want {
			t.Errorf("LookPath(%q) error = %v; want %q", tc.arg0, err, tc.want)
		}
	}
}

func TestLookPathRelative(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "here"), 0o755)
	t.Chdir(dir)
	// An empty PATH entry is the current directory; the result keeps a
	// slash so execve does not take it for a bare name.
	got, err := LookPath("here", []string{"PATH=/nonexistent::/also-nonexistent"})
	if err != nil || got != "./here" {
		t.Errorf("LookPath with an empty PATH entry = %q, %v; want ./here", got, err)
	}
	got, err = LookPath("./here", nil)
	if err != nil || got != "./here" {
		t.Errorf("LookPath(./here) = %q, %v", got, err)
	}
	// An explicitly empty PATH searches nothing, as in os/exec.
	if _, err := LookPath("here", []string{"PATH="}); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookPath with PATH= error = %v; want not found", err)
	}
}

func TestLookPathDefaultPath(t *testing.T) {
	// No PATH in env: DefaultPath, which holds /bin.
	got, err := LookPath("busybox", []string{"HOME=/"})
	if err != nil {
		t.Skipf("no busybox in %s: %v", DefaultPath, err)
	}
	if !strings.HasSuffix(got, "/busybox") || !filepath.IsAbs(got) {
		t.Errorf("LookPath(busybox) = %q", got)
	}
	// The last PATH wins, as in os/exec.
	if _, err := LookPath("busybox", []string{"PATH=/bin", "PATH=/nonexistent"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookPath with two PATHs error = %v; want not found", err)
	}
}
