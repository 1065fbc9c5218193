#!/usr/bin/env bash
# Makes a Debian root filesystem with systemd, as a tar archive, for
# TestSystemdBoot in the cgroup v2 guest:
#
#   bash tests/vm/systemd-rootfs.sh bin/systemd-rootfs.tar
#   make vm-test VM_SYSTEMD_ROOTFS=$PWD/bin/systemd-rootfs.tar
#
# Needs root, debootstrap and the Debian mirror (SUITE, MIRROR override
# bookworm and deb.debian.org). About 30 s and a 100 MB archive; the
# documentation, manuals and locales are left out.
set -euo pipefail
out=${1:?usage: systemd-rootfs.sh OUT.tar}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
dir=$(mktemp -d)
trap 'rm -rf "$dir" "$dir.log"' EXIT
# The archive's "." is the container's "/": mktemp's 0700 would shut out
# every user but root (dbus-daemon's messagebus, for one).
chmod 0755 "$dir"
if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus "$suite" "$dir" "$mirror" >"$dir.log" 2>&1; then
	echo "systemd-rootfs.sh: debootstrap $suite $mirror failed:" >&2
	tail -n 20 "$dir.log" >&2
	exit 1
fi
tar -C "$dir" --exclude=./usr/share/doc --exclude=./usr/share/man \
	--exclude=./usr/share/locale --exclude=./usr/share/info \
	--exclude=./var/cache/apt --exclude=./var/lib/apt/lists \
	-cf "$out.tmp" .
mv "$out.tmp" "$out"
