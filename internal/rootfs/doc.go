// Package rootfs builds a container's root filesystem from its spec, inside
// the container's mount namespace: root propagation, the bind of the root
// onto itself, the spec's mounts in order, /dev and its default devices,
// the console, pivot_root, masked and read-only paths, and a read-only root.
//
// Every mount destination is resolved inside the root with
// openat2(RESOLVE_IN_ROOT) (filepath-securejoin's pathrs-lite where the
// kernel lacks it) and mounted through the resulting file descriptor, so
// a symlink in the image, or one swapped in by a race through a shared
// volume, can never send a mount outside the root (CVE-2021-30465,
// CVE-2024-45310). Devices are made relative to their directory's
// descriptor, looked up once, by single-component names that are never
// followed.
//
// A destination may not lead, through the image's symlinks, onto the
// container's procfs or sysfs, mounted by then: on procfs only /proc
// itself and the files lxcfs emulates may be mounted, and only when the
// spec names them literally; in /sys, only paths the spec names
// literally. /proc, /sys and /dev must be real directories of the image.
// "ro" on a recursive bind, and read-only paths, reach every mount below.
//
// The descriptors reach mount(2) as magic links, "thread-self/fd/N",
// relative to a handle on the runtime's own procfs taken and verified
// once, before anything else: the same code works before and after
// pivot_root, and never relies on a /proc that the container's spec or
// image provides. A magic link names the directory beneath a mount made
// through it, so anything done to the new mount afterwards (remount,
// propagation, statfs checks) goes through a fresh in-root lookup,
// verified to land on a new mount root.
//
// Handles are raw descriptors rather than *os.File: Setup takes about a
// hundred, and each *os.File costs system calls of its own (fcntl, and
// for os.OpenFile the runtime's poller).
//
// Mount options that runc and crun define and the kernel does not know
// never reach mount(2): tmpcopyup (fill a new tmpfs with a copy of the
// directory it covers, through descriptors and *at calls only) and
// copy-symlink are implemented, the others (idmap, src-nofollow...) are
// refused with an error that names them.
//
// Setup is Linux-only and changes process-wide state (working directory,
// root, mount namespace): it belongs in the container's init, once.
package rootfs
