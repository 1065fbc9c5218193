// Package rootfs builds a container's root filesystem from its spec, inside
// the container's mount namespace: root propagation, the bind of the root
// onto itself, the spec's mounts in order, /dev and its default devices,
// the console, pivot_root, masked and read-only paths, and a read-only root.
//
// Every mount destination is resolved inside the root with
// filepath-securejoin's pathrs-lite (openat2 RESOLVE_IN_ROOT where the
// kernel has it) and mounted through the resulting file descriptor, so a
// symlink in the image, or one swapped in by a race through a shared
// volume, can never send a mount outside the root (CVE-2021-30465,
// CVE-2024-45310).
package rootfs
