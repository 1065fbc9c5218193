package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/spec"
)

func idRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\n# comment\nweb:x:33:34::/var/www:/bin/false\nnobody:x:65534:65534::/:/bin/false\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nwww:x:34:\nadm:x:4:web,root\nstaff:x:50:web\nnogroup:x:65534:\n"), 0o644)
	return root
}

func TestResolveUser(t *testing.T) {
	root := idRoot(t)
	for in, want := range map[string]string{
		"":           "0:0[]",
		"web":        "33:34[4 50]",
		"33":         "33:34[4 50]",
		"1234":       "1234:0[]",
		"web:staff":  "33:50[]",
		"web:7":      "33:7[]",
		"33:nogroup": "33:65534[]",
		"1234:1234":  "1234:1234[]",
		"root":       "0:0[4]",
		"nobody:www": "65534:34[]",
	} {
		u, err := resolveUser(root, in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		got := fmt.Sprintf("%d:%d%v", u.UID, u.GID, u.AdditionalGids)
		if got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"ghost":      `image user "ghost": no such user`,
		"web:ghosts": `image user "web:ghosts": no such group`,
	} {
		if _, err := resolveUser(root, in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func mkfifo(p string) error { return unix.Mkfifo(p, 0o644) }

// The image's /etc/passwd is read inside the rootfs: a symlink to the
// host's file resolves to the image's own path, and a FIFO is refused
// rather than blocking the create.
func TestResolveUserStaysInRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "host"), 0o755)
	os.WriteFile(filepath.Join(root, "host/passwd"), []byte("inside:x:7:7::/:/bin/sh\n"), 0o644)
	os.Symlink("/../../../../host/passwd", filepath.Join(root, "etc/passwd"))
	u, err := resolveUser(root, "inside")
	if err != nil || u.UID != 7 {
		t.Errorf("symlinked passwd: %v %+v", err, u)
	}
	if _, err := resolveUser(root, "root"); err == nil {
		t.Error("root found: the host's /etc/passwd was read")
	}
	os.Remove(filepath.Join(root, "etc/passwd"))
	if err := mkfifo(filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveUser(root, "x"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("fifo passwd: %v", err)
	}
}

func TestApplyImageConfig(t *testing.T) {
	root := idRoot(t)
	c := &imagespec.Image{Platform: imagespec.Platform{OS: "linux", Architecture: "amd64"}, Author: "me"}
	c.Config = imagespec.ImageConfig{
		Entrypoint:   []string{"/bin/app", "-v"},
		Cmd:          []string{"serve"},
		Env:          []string{"A=1", "HOME=/srv"},
		WorkingDir:   "/srv",
		User:         "web",
		StopSignal:   "SIGQUIT",
		Labels:       map[string]string{"com.example.x": "y", "org.opencontainers.image.os": "overridden"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "443/tcp": {}},
	}
	s := spec.Default()
	if err := applyImageConfig(s, c, root); err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if !slices.Equal(p.Args, []string{"/bin/app", "-v", "serve"}) || p.Terminal || p.Cwd != "/srv" || p.User.UID != 33 || p.User.GID != 34 {
		t.Errorf("process: %+v", p)
	}
	if !slices.Equal(p.Env, []string{defaultPath, "A=1", "HOME=/srv"}) {
		t.Errorf("env: %q", p.Env)
	}
	for k, v := range map[string]string{
		AnnotationStopSignal:                    "SIGQUIT",
		"com.example.x":                         "y",
		"org.opencontainers.image.os":           "linux",
		"org.opencontainers.image.architecture": "amd64",
		"org.opencontainers.image.author":       "me",
		"org.opencontainers.image.exposedPorts": "443/tcp,80/tcp",
	} {
		if s.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, s.Annotations[k], v)
		}
	}

	// Cmd alone, an own PATH, no user: the default's args are replaced,
	// PATH kept, root.
	s = spec.Default()
	c = &imagespec.Image{Config: imagespec.ImageConfig{Cmd: []string{"sh", "-c", "x"}, Env: []string{"PATH=/bin"}}}
	if err := applyImageConfig(s, c, root); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Process.Args, []string{"sh", "-c", "x"}) || !slices.Equal(s.Process.Env, []string{"PATH=/bin"}) || s.Process.Cwd != "/" || s.Annotations != nil {
		t.Errorf("cmd only: %+v %v", s.Process, s.Annotations)
	}
	// Neither: the default args and env stay (minus TERM, as there is no
	// terminal).
	s = spec.Default()
	if err := applyImageConfig(s, &imagespec.Image{}, root); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Process.Args, []string{"sh"}) || !slices.Equal(s.Process.Env, []string{defaultPath}) {
		t.Errorf("empty config: %+v", s.Process)
	}
	c = &imagespec.Image{Config: imagespec.ImageConfig{User: "ghost"}}
	if err := applyImageConfig(spec.Default(), c, root); err == nil {
		t.Error("missing user accepted")
	}
}
