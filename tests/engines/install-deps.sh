#!/usr/bin/env bash
# Installs what the engine end-to-end tests (tests/engines) need on Debian 12:
# podman and containerd (with ctr) from Debian, busybox-static for the image,
# and util-linux for script(1), which gives `podman run -it` a terminal.
# Idempotent: packages already installed are left alone, and apt-get update
# runs only when something is missing. Needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: needs root (apt-get install)" >&2
  exit 1
fi

need=()
for p in podman containerd busybox-static util-linux; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  # Recommends are skipped: the tests use --network none and the vfs
  # storage driver, so slirp4netns, fuse-overlayfs and the like are unused.
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

for b in podman containerd ctr conmon script; do
  command -v "$b" >/dev/null || { echo "install-deps.sh: $b missing after install" >&2; exit 1; }
done
