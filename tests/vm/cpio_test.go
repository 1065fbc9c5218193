package vm

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// cpioWriter writes a cpio archive in the "newc" format, the one the
// kernel unpacks into its initial root filesystem. Writing the archive
// ourselves, rather than packing a staging directory with cpio(1), lets
// it hold device nodes and root-owned files without creating them on
// the host, and needs no tool beyond Go.
type cpioWriter struct {
	w   io.Writer
	ino uint32
	off int64 // bytes written, for the 4-byte alignment newc requires
}

// Modes of the entry kinds, as the kernel's initramfs unpacker reads them
// (the S_IF* bits of stat(2)).
const (
	modeDir     = 0o040000
	modeFile    = 0o100000
	modeSymlink = 0o120000
	modeCharDev = 0o020000
)

func (c *cpioWriter) write(b []byte) error {
	n, err := c.w.Write(b)
	c.off += int64(n)
	return err
}

func (c *cpioWriter) pad() error {
	if r := c.off % 4; r != 0 {
		return c.write(make([]byte, 4-r))
	}
	return nil
}

// header writes one entry's header and name; size bytes of data follow.
// Every entry is owned by root: the guest runs as root and the tests
// expect the tools and busybox to belong to it.
func (c *cpioWriter) header(name string, mode uint32, size int64, rdevMajor, rdevMinor uint32) error {
	if err := cleanName(name); err != nil {
		return err
	}
	if size > 0xffffffff {
		return fmt.Errorf("cpio entry %q: %d bytes is more than newc can hold", name, size)
	}
	c.ino++
	nlink := uint32(1)
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	h := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, nlink, 0, uint32(size), 0, 0, rdevMajor, rdevMinor, len(name)+1, 0)
	if err := c.write([]byte(h)); err != nil {
		return err
	}
	if err := c.write(append([]byte(name), 0)); err != nil {
		return err
	}
	return c.pad()
}

// dir adds a directory; parents must have been added before.
func (c *cpioWriter) dir(name string, perm uint32) error {
	return c.header(name, modeDir|perm, 0, 0, 0)
}

// bytes adds a regular file with the given content.
func (c *cpioWriter) bytes(name string, perm uint32, data []byte) error {
	if err := c.header(name, modeFile|perm, int64(len(data)), 0, 0); err != nil {
		return err
	}
	if err := c.write(data); err != nil {
		return err
	}
	return c.pad()
}

// file adds a regular file copied from the host path src, streamed so a
// large test binary is never held in memory twice.
func (c *cpioWriter) file(name string, perm uint32, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %q: %w", src, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%q is not a regular file", src)
	}
	if err := c.header(name, modeFile|perm, fi.Size(), 0, 0); err != nil {
		return err
	}
	n, err := io.Copy(writerFunc(c.write), f)
	if err != nil {
		return fmt.Errorf("copy %q into the archive: %w", src, err)
	}
	if n != fi.Size() {
		return fmt.Errorf("%q changed size while archived (%d, then %d bytes)", src, fi.Size(), n)
	}
	return c.pad()
}

// symlink adds a symbolic link name pointing at target.
func (c *cpioWriter) symlink(name, target string) error {
	if err := c.header(name, modeSymlink|0o777, int64(len(target)), 0, 0); err != nil {
		return err
	}
	if err := c.write([]byte(target)); err != nil {
		return err
	}
	return c.pad()
}

// charDev adds a character device node.
func (c *cpioWriter) charDev(name string, perm, major, minor uint32) error {
	return c.header(name, modeCharDev|perm, 0, major, minor)
}

// close writes the trailer that ends the archive; the writer underneath
// is the caller's to close.
func (c *cpioWriter) close() error {
	return c.header("TRAILER!!!", 0, 0, 0, 0)
}

// writerFunc adapts cpioWriter.write, which keeps the offset, to io.Copy.
type writerFunc func([]byte) error

func (f writerFunc) Write(b []byte) (int, error) {
	if err := f(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// cleanName checks an archive path: relative, without "." or ".."
// elements, as the kernel's unpacker expects them.
func cleanName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") {
		return fmt.Errorf("archive path %q must be relative", name)
	}
	for _, e := range strings.Split(name, "/") {
		if e == "" || e == "." || e == ".." {
			return fmt.Errorf("archive path %q has an empty, . or .. element", name)
		}
	}
	return nil
}
