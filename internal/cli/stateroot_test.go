package cli

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestDefaultRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		if got := DefaultRoot(); got != "/run/ocikit" {
			t.Errorf("DefaultRoot as root = %q, want /run/ocikit", got)
		}
		return
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/4242")
	if got := DefaultRoot(); got != "/run/user/4242/ocikit" {
		t.Errorf("DefaultRoot with XDG_RUNTIME_DIR = %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := DefaultRoot(); !strings.HasPrefix(filepath.Base(got), "ocikit-") {
		t.Errorf("DefaultRoot without XDG_RUNTIME_DIR = %q, want .../ocikit-UID", got)
	}
}

const (
	rootOwnerEnv = "OCIKIT_TEST_ROOT_OWNER" // the directory the child checks
	testUID      = 23457                    // the user the child runs as
)

// TestStateRootOwner checks, as an ordinary user, that a state directory
// of another user is refused, directly or through a link, and that the
// caller's own, root's and a missing one are accepted. The test binary
// runs itself again as that user.
func TestStateRootOwner(t *testing.T) {
	if d := os.Getenv(rootOwnerEnv); d != "" {
		return // the child's work is done by TestStateRootOwnerChild
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes directories owned by other users and runs as one")
	}
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self := filepath.Join(base, "cli.test")
	copyFile(t, os.Args[0], self)
	mk := func(name string, uid int) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreign := mk("foreign", testUID+1)
	link := filepath.Join(base, "link")
	if err := os.Symlink(foreign, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, testUID, testUID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir    string
		refuse bool
	}{
		{foreign, true},
		{link, true},
		{mk("own", testUID), false},
		{mk("root", 0), false},
		{filepath.Join(base, "missing"), false},
	} {
		cmd := exec.Command(self, "-test.run=^TestStateRootOwnerChild$", "-test.v")
		cmd.Env = []string{rootOwnerEnv + "=" + c.dir}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: testUID, Gid: testUID}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child for %s: %v\n%s", c.dir, err, out)
		}
		want := "ACCEPTED"
		if c.refuse {
			want = "REFUSED: state directory " + `"` + c.dir + `": owned by another user (uid 23458, you are uid 23457)`
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: child said\n%s\nwant %q", c.dir, out, want)
		}
	}
	// Root may use any user's directory.
	g := &Globals{Root: foreign}
	if _, err := g.StateRoot(); err != nil {
		t.Errorf("root on a user's state directory: %v", err)
	}
}

func TestStateRootOwnerChild(t *testing.T) {
	d := os.Getenv(rootOwnerEnv)
	if d == "" {
		t.Skip("run by TestStateRootOwner")
	}
	g := &Globals{Root: d}
	_, err := g.StateRoot()
	switch {
	case err == nil:
		t.Log("ACCEPTED")
	case errors.Is(err, ErrForeignStateRoot):
		t.Log("REFUSED: " + err.Error())
	default:
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
