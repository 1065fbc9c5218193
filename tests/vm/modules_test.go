package vm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// guestModules are the kernel modules the guest loads before the tests,
// as paths under the booted kernel's /lib/modules/RELEASE. The guest has
// no disk, so the blkio tests attach loop devices of their own (loop.ko)
// and set BFQ as their scheduler (bfq.ko) for the per-device weights.
// The socket diag, tun, veth and nf_tables modules are for criu (the
// checkpoint tests): its kernel probe (criu check, and the start of
// every dump) reads sockets through the diag modules, opens /dev/net/tun,
// makes a veth pair and asks nf_tables for concatenated sets, and fails
// without any of them. The list is in load order, dependencies first
// (modules.dep: tcp_diag and udp_diag need inet_diag, nf_tables needs
// nfnetlink and libcrc32c); the guest loads them in that order.
// Debian's cloud kernels ship them uncompressed, which busybox's insmod
// needs.
var guestModules = []string{
	"kernel/drivers/block/loop.ko",
	"kernel/block/bfq.ko",
	"kernel/net/packet/af_packet_diag.ko",
	"kernel/net/ipv4/inet_diag.ko",
	"kernel/net/ipv4/tcp_diag.ko",
	"kernel/net/ipv4/udp_diag.ko",
	"kernel/net/netlink/netlink_diag.ko",
	"kernel/net/unix/unix_diag.ko",
	"kernel/drivers/net/tun.ko",
	"kernel/drivers/net/veth.ko",
	"kernel/lib/libcrc32c.ko",
	"kernel/net/netfilter/nfnetlink.ko",
	"kernel/net/netfilter/nf_tables.ko",
}

// kernelRelease reads a bzImage's release, the string uname -r gives,
// from its setup header: the header's kernel_version field (at 0x20e,
// valid when the "HdrS" magic is at 0x202) holds the offset, less 0x200,
// of a NUL-terminated version string whose first word is the release.
// Reading the image itself rather than its file name finds the right
// modules for any OCIKIT_VM_KERNEL, however it is named.
func kernelRelease(image string) (string, error) {
	f, err := os.Open(image)
	if err != nil {
		return "", err
	}
	defer f.Close()
	hdr := make([]byte, 0x210)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return "", fmt.Errorf("read the setup header of %q: %w", image, err)
	}
	if string(hdr[0x202:0x206]) != "HdrS" {
		return "", fmt.Errorf("%q is not a bzImage (no HdrS setup header)", image)
	}
	off := int64(binary.LittleEndian.Uint16(hdr[0x20e:])) + 0x200
	buf := make([]byte, 256)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the version string of %q: %w", image, err)
	}
	s, _, _ := bytes.Cut(buf[:n], []byte{0})
	fields := strings.Fields(string(s))
	if len(fields) == 0 {
		return "", fmt.Errorf("%q has an empty version string at offset %#x", image, off)
	}
	return fields[0], nil
}

// findModules returns the host paths of guestModules for release under
// modRoot (/lib/modules), and a line for each one it did not find: the
// guest then boots without it and the tests needing it skip there.
func findModules(modRoot, release string) (found, missing []string) {
	for _, m := range guestModules {
		p := filepath.Join(modRoot, release, m)
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.Mode().IsRegular():
			found = append(found, p)
		case err == nil:
			missing = append(missing, fmt.Sprintf("%s is not a regular file", p))
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, fmt.Sprintf("no %s (kernel %s)", p, release))
		default:
			missing = append(missing, err.Error())
		}
	}
	return found, missing
}
