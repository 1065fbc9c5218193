#!/usr/bin/env bash
# Installs what `make conformance` needs on Debian 12, as root:
#   tar         the validation programs unpack their busybox root filesystem
#   util-linux  unshare, for the crun wrapper on hybrid cgroup hosts
#   mount       umount, likewise
#   runc, crun  the reference runtimes (RUNTIME=runc, RUNTIME=crun)
#   ca-certificates  the Go toolchain fetches the suite's module over HTTPS
# The Go toolchain itself comes with the machine (/usr/local/go). Idempotent:
# apt-get runs only when something is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: needs root (apt-get install)" >&2
  exit 1
fi

need=()
for p in tar util-linux mount runc crun ca-certificates; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

for b in tar unshare umount runc crun; do
  command -v "$b" >/dev/null || { echo "install-deps.sh: $b missing after install" >&2; exit 1; }
done
