package rootfs

import (
	"errors"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config says how to build a container's root filesystem.
type Config struct {
	Spec        *specs.Spec       // root, mounts, linux.devices, maskedPaths, readonlyPaths, rootfsPropagation
	Rootfs      string            // absolute host path of the root filesystem
	NoPivot     bool              // use MS_MOVE + chroot instead of pivot_root (initramfs)
	UserNS      bool              // running in a user namespace (bind devices instead of mknod; keep locked mount flags)
	CgroupNS    bool              // the container has its own cgroup namespace
	CgroupPaths map[string]string // the container's cgroup per hierarchy key (cgroups.Hierarchy.Key), absolute host paths
	Terminal    bool              // make a pty and bind its slave on /dev/console
}

// Result holds what Setup made that the init still needs.
type Result struct {
	ConsoleMaster *os.File // when Config.Terminal: the pty master, to send over the console socket
	ConsoleSlave  *os.File // when Config.Terminal: the pty slave, to become the process's stdio
}

// Setup builds the root filesystem and enters it. It must run in the
// container's own mount namespace.
func Setup(cfg *Config) (*Result, error) {
	return nil, errors.New("rootfs: not implemented")
}
