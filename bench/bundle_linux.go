package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Bundles makes one bundle directory per container, all sharing a single
// read-only busybox root filesystem: the runtimes then differ only in
// themselves, not in what they unpack, and each container still has the
// linux.cgroupsPath of its own ID.
type Bundles struct {
	dir    string
	rootfs string
	base   map[string]any // config.json from `runc spec`, to edit per container
	cgroup string         // the parent cgroup path, /ocikit-bench-<pid>
}

// NewBundles builds the root filesystem in dir/rootfs from the static
// busybox at busybox, and takes the base configuration from specCmd
// (`runc spec`, run in a scratch directory).
func NewBundles(dir, busybox string, specCmd []string, cgroupParent string) (*Bundles, error) {
	b := &Bundles{dir: dir, rootfs: filepath.Join(dir, "rootfs"), cgroup: cgroupParent}
	if err := b.makeRootfs(busybox); err != nil {
		return nil, err
	}
	scratch := filepath.Join(dir, "spec")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("mkdir %q: %w", scratch, err)
	}
	cmd := exec.Command(specCmd[0], specCmd[1:]...)
	cmd.Dir = scratch
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", strings.Join(specCmd, " "), err, bytes.TrimSpace(out))
	}
	raw, err := os.ReadFile(filepath.Join(scratch, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", filepath.Join(scratch, "config.json"), err)
	}
	if err := json.Unmarshal(raw, &b.base); err != nil {
		return nil, fmt.Errorf("parse %q: %w", filepath.Join(scratch, "config.json"), err)
	}
	return b, nil
}

// makeRootfs copies busybox into rootfs/bin and links every applet to it.
func (b *Bundles) makeRootfs(busybox string) error {
	bin := filepath.Join(b.rootfs, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return fmt.Errorf("mkdir %q: %w", bin, err)
	}
	if err := copyFile(busybox, filepath.Join(bin, "busybox"), 0o755); err != nil {
		return err
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", busybox, err)
	}
	for _, applet := range strings.Fields(string(out)) {
		// The applet list names busybox itself; linking it would
		// replace the binary with a link to itself.
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(bin, applet)); err != nil {
			return fmt.Errorf("symlink %q: %w", filepath.Join(bin, applet), err)
		}
	}
	// Mount points the default configuration uses, so that no runtime
	// has to create them (each would do it differently, and only once).
	for _, d := range []string{"proc", "dev", "sys", "tmp"} {
		if err := os.MkdirAll(filepath.Join(b.rootfs, d), 0o755); err != nil {
			return fmt.Errorf("mkdir %q: %w", filepath.Join(b.rootfs, d), err)
		}
	}
	return nil
}

// CgroupPath is the linux.cgroupsPath every runtime gets for id.
func (b *Bundles) CgroupPath(id string) string { return b.cgroup + "/" + id }

// Make writes the bundle for container id running args and returns its
// directory.
func (b *Bundles) Make(id string, args ...string) (string, error) {
	cfg := EditConfig(b.base, b.rootfs, b.CgroupPath(id), args)
	raw, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", fmt.Errorf("encode config of %q: %w", id, err)
	}
	dir := filepath.Join(b.dir, "bundles", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("mkdir %q: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o644); err != nil {
		return "", fmt.Errorf("write %q: %w", filepath.Join(dir, "config.json"), err)
	}
	return dir, nil
}

// Remove deletes the bundle directory of id once its container is gone.
func (b *Bundles) Remove(id string) error {
	dir := filepath.Join(b.dir, "bundles", id)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %q: %w", dir, err)
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %q: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %q: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %q to %q: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %q: %w", dst, err)
	}
	return nil
}
