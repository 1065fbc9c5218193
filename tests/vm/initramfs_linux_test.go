package vm

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// guestSpec is what goes into the guest's initramfs and how its init
// runs the tests.
type guestSpec struct {
	busybox   string   // the host's static busybox
	toolsDir  string   // OCIKIT_BIN: the ocikit tools, statically linked
	testBin   string   // the compiled tests/integration binary
	testFlags []string // extra flags for it
	modules   []string // kernel modules (.ko, host paths) the guest loads first
	// hostFiles are dynamically linked host programs with their
	// libraries and loader (hostPayload) and plain host files
	// (hostData), each at its own path.
	hostFiles []payloadFile
	timeout   time.Duration
	// marker ends the run: the guest prints "<marker> <status>". It is
	// random per run so no test output can fake it.
	marker string
	// bootMarker starts stage 2, the first line the guest's own code
	// prints, followed by the guest's uptime.
	bootMarker string
}

// Applets left out of the guest's /bin. The integration tests look these
// up with exec.LookPath and drive them with util-linux's options, which
// busybox's versions lack. The host's util-linux programs come in under
// /usr/bin (guestHostBinaries) where the host has them; where it does
// not, the tests skip with their own message instead of failing on
// busybox's applet for a reason that is the harness's.
var leftOutApplets = []string{"setpriv", "script"}

// guestSystemdRootfs is where the guest holds OCIKIT_VM_SYSTEMD_ROOTFS.
const guestSystemdRootfs = "ocikit/systemd-rootfs.tar"

// stage1 runs first, on the kernel's initramfs root. That root is the
// mount namespace's absolute root, which pivot_root(2) cannot move, and
// every container pivots into its rootfs; so init copies itself onto a
// tmpfs and switch_root moves that over /, after which pivot_root works
// as on a disk-booted host. Exiting on a failure panics the kernel, and
// panic=-1 with qemu's -no-reboot ends the VM, so the host sees the
// console without an end marker rather than waiting.
const stage1 = `#!/bin/busybox sh
export PATH=/bin
set -e
mount -t tmpfs -o mode=0755 root /newroot
cp -a /bin /etc /lib /lib64 /ocikit /root /usr /newroot/
for d in dev proc sys tmp run; do mkdir /newroot/$d; done
exec switch_root /newroot /ocikit/guest.sh
`

// stage2Template is the guest's main script: a pure cgroup v2 system, as
// systemd would mount it (nsdelegate, memory_recursiveprot), with every
// controller the kernel offers enabled for the root's children, then
// the integration tests, the end marker and a power-off. The tests run
// in the root cgroup, which the no-internal-processes rule exempts, so
// the containers' cgroups are created directly below it.
const stage2Template = `#!/bin/sh
# The host programs under /usr come first, before busybox's applets of
# the same names: GNU tar, which criu needs, and iproute2's ip, which
# makes the veth pairs of the network device tests.
export PATH=/usr/sbin:/usr/bin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# AppArmor (the 6.1 kernel's default LSM) is loaded and read through
# securityfs: apparmor_parser and the LSM probes need it mounted.
mount -t securityfs securityfs /sys/kernel/security || echo "vm: cannot mount securityfs"
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
# Loopback up, as on any booted host: criu's kernel probe connects a
# TCP socket to 127.0.0.1 (its tcp repair check).
ip link set lo up || echo "vm: cannot set lo up"
# The booted kernel's loop and BFQ modules, for the blkio tests (the
# guest has no disk), and the modules criu's kernel probe needs; the
# host left out any it could not find. Their names are numbered in
# dependency order, which the glob keeps.
for m in /ocikit/modules/*.ko; do
	[ -e "$m" ] || continue
	insmod "$m" || echo "vm: insmod $m failed"
done
# Kernel messages (an OOM kill, say) would otherwise land in the middle
# of a test's result line on the shared console; dmesg is printed after
# a failed run instead. Errors and worse still reach the console (a
# stall or hung-task report is the only trace a frozen guest leaves).
echo 4 > /proc/sys/kernel/printk
echo "%[1]s $(cut -d' ' -f1 /proc/uptime)"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "vm: cannot enable the $c controller"
done
echo "vm: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "vm: modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "vm: LSMs: $(cat /sys/kernel/security/lsm 2>&1)"
# criu's own verdict on this kernel, for the checkpoint tests' log.
if command -v criu >/dev/null; then criu check 2>&1 | sed 's/^/vm: criu check: /'; fi
if [ -e /%[5]s ]; then export OCIKIT_SYSTEMD_ROOTFS=/%[5]s; fi
cd /tmp
OCIKIT_BIN=/ocikit/bin /ocikit/integration.test -test.v -test.timeout=%[2]s %[3]s </dev/null 2>&1
status=$?
if [ $status -ne 0 ]; then dmesg | tail -n 80 | sed 's/^/dmesg: /'; fi
echo "%[4]s $status"
# The console driver may still be sending the marker when echo returns;
# poweroff -f does not wait for it.
sleep 1
poweroff -f
`

// buildInitramfs writes the guest's initramfs, a gzipped newc cpio, to
// path.
func buildInitramfs(path string, g guestSpec) (err error) {
	applets, err := busyboxApplets(g.busybox)
	if err != nil {
		return err
	}
	tools, err := staticExecutables(g.toolsDir)
	if err != nil {
		return err
	}
	if len(tools) == 0 {
		return fmt.Errorf("no executables in %q (run make build)", g.toolsDir)
	}
	if err := checkStatic(g.testBin); err != nil {
		return err
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %q: %w", path, cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	// The kernel decompresses either way; BestSpeed keeps the build to a
	// second or two for ~100 MB of binaries.
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return err
	}
	c := &cpioWriter{w: zw}

	// lib, lib64 and usr are there even when no host program is, so
	// stage1 copies them unconditionally.
	dirs := []string{"bin", "dev", "etc", "lib", "lib64", "newroot", "ocikit", "ocikit/bin", "ocikit/modules", "root", "usr"}
	dirs = append(dirs, payloadDirs(g.hostFiles, dirs)...)
	for _, d := range dirs {
		if err := c.dir(d, 0o755); err != nil {
			return err
		}
	}
	// The kernel opens /dev/console for init's stdio before anything is
	// mounted, so the node must be in the archive itself.
	if err := c.charDev("dev/console", 0o600, 5, 1); err != nil {
		return err
	}
	if err := c.charDev("dev/null", 0o666, 1, 3); err != nil {
		return err
	}
	if err := c.file("bin/busybox", 0o755, g.busybox); err != nil {
		return err
	}
	for _, a := range applets {
		if a == "busybox" || slices.Contains(leftOutApplets, a) {
			continue
		}
		if err := c.symlink("bin/"+a, "busybox"); err != nil {
			return err
		}
	}
	for _, t := range tools {
		if err := c.file("ocikit/bin/"+filepath.Base(t), 0o755, t); err != nil {
			return err
		}
	}
	// The number in front keeps the guest's glob in the list's order,
	// which puts each module after those it needs.
	for i, m := range g.modules {
		if err := c.file(fmt.Sprintf("ocikit/modules/%02d-%s", i, filepath.Base(m)), 0o644, m); err != nil {
			return err
		}
	}
	for _, hf := range g.hostFiles {
		if err := c.file(hf.name, hf.mode, hf.src); err != nil {
			return err
		}
	}
	if err := c.file("ocikit/integration.test", 0o755, g.testBin); err != nil {
		return err
	}
	files := []struct {
		name string
		perm uint32
		data string
	}{
		{"init", 0o755, stage1},
		{"ocikit/guest.sh", 0o755, fmt.Sprintf(stage2Template, g.bootMarker, g.timeout, shellWords(g.testFlags), g.marker, guestSystemdRootfs)},
		{"etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
		{"etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"},
		// Empty, as on a host where no user has subordinate ids yet:
		// the tests bind copies with their own users' ranges over
		// these (privateEtc), which needs a file to cover, and
		// newuidmap reads them.
		{"etc/subuid", 0o644, ""},
		{"etc/subgid", 0o644, ""},
		{"etc/hostname", 0o644, "ocikit-vm\n"},
	}
	for _, fl := range files {
		if err := c.bytes(fl.name, fl.perm, []byte(fl.data)); err != nil {
			return err
		}
	}
	if err := c.close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// busyboxApplets lists the applets of the busybox binary that goes into
// the guest, so every one of them gets a link there.
func busyboxApplets(busybox string) ([]string, error) {
	if err := checkStatic(busybox); err != nil {
		return nil, err
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", busybox, err)
	}
	return strings.Fields(string(out)), nil
}

// staticExecutables lists the executables in dir, each checked to be
// statically linked: the guest has no libc to load.
func staticExecutables(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			continue
		}
		if err := checkStatic(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// shellWords quotes each flag for the guest's sh.
func shellWords(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
