package integration

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
)

// bundle is a busybox bundle whose spec a test edits before running it.
type bundle struct {
	dir    string
	rootfs string
	spec   *specs.Spec
}

// bundle makes a bundle under the test's directory: a busybox rootfs and
// the default spec (the one oci-spec writes) without a terminal, running
// args.
func (r *rt) bundle(args ...string) *bundle {
	r.t.Helper()
	dir := r.dir("bundle")
	b := &bundle{dir: dir, rootfs: filepath.Join(dir, "rootfs"), spec: spec.Default()}
	if err := makeRootfs(b.rootfs); err != nil {
		r.t.Fatal(err)
	}
	b.spec.Process.Terminal = false
	b.spec.Process.Args = args
	return b
}

// sh is the args that run script with busybox sh.
func sh(script string) []string { return []string{"sh", "-c", script} }

// write saves the bundle's spec as its config.json.
func (b *bundle) write() error {
	data, err := spec.Marshal(b.spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644)
}

// makeRootfs lays out a minimal busybox root filesystem: busybox and a
// relative symlink per applet in /bin, the usual mount points, and an
// /etc/passwd and /etc/group naming root.
func makeRootfs(dir string) error {
	for _, d := range []string{"bin", "dev", "etc", "proc", "root", "sys", "tmp", "var"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile("/bin/busybox", filepath.Join(dir, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	for _, a := range applets {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":  "root:x:0:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// run writes the bundle's config.json and runs it with oci-run as a new
// container, with any extra oci-run flags; the container is checked to be
// gone without a trace afterwards.
func (r *rt) run(b *bundle, flags ...string) result {
	r.t.Helper()
	return r.runWith(runOpts{}, b, flags...)
}

func (r *rt) runWith(o runOpts, b *bundle, flags ...string) result {
	r.t.Helper()
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	id := r.id("run")
	args := append([]string{"--root", r.root, "--bundle", b.dir}, flags...)
	res := r.exec(o, "oci-run", append(args, id)...)
	assertClean(r.t, r.root, id)
	return res
}

// inside runs script in the bundle with oci-run, fails the test unless it
// exits 0, and returns what it printed on stdout.
func (r *rt) inside(b *bundle, script string) string {
	r.t.Helper()
	b.spec.Process.Args = sh(script)
	res := r.run(b)
	if res.code != 0 {
		r.t.Fatalf("oci-run sh -c %q: %s", script, res)
	}
	return res.stdout
}

// create writes the bundle's config.json and creates a container from it
// with oci-create, failing the test unless it succeeds.
func (r *rt) create(b *bundle, id string, flags ...string) stateView {
	r.t.Helper()
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	args := append([]string{"--bundle", b.dir}, flags...)
	return parseState(r.t, r.must("oci-create", append(args, id)...))
}

// detach starts a container from the bundle with oci-run --detach and
// returns its state.
func (r *rt) detach(b *bundle, id string) stateView {
	r.t.Helper()
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	return parseState(r.t, r.must("oci-run", "--detach", "--bundle", b.dir, id))
}
