package container

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/initproto"
)

// holdUserNS returns a user namespace with the given mappings, for a mount
// whose uidMappings and gidMappings differ from the container's: the
// kernel takes an id mapping only from a user namespace. It starts the
// runtime's sealed binary in the hold role (internal/nsenter: the C
// constructor waits for its stdin to close, before any Go code runs) in a
// new user namespace whose maps are written before it runs, opens the
// namespace and lets the holder go: the descriptor keeps the namespace
// alive. The holder shares nothing else and never runs a program of the
// container's.
func holdUserNS(uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	exe, err := sealedExe()
	if err != nil {
		return nil, fmt.Errorf("seal the runtime's executable: %w", err)
	}
	defer exe.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	defer w.Close()
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/3",
		Args:       []string{"ocikit-userns-holder"},
		Env:        []string{initproto.EnvHold + "=1"},
		Stdin:      r,
		ExtraFiles: []*os.File{exe},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER,
			UidMappings: sysMaps(uids),
			GidMappings: sysMaps(gids),
			Pdeathsig:   syscall.SIGKILL,
		},
	}
	err = cmd.Start()
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("start user namespace holder: %w", err)
	}
	defer func() {
		w.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}()
	// The holder is this process's child and not yet reaped: its pid
	// cannot name another process.
	path := fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid)
	ns, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return ns, nil
}

func sysMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(m))
	for i, e := range m {
		out[i] = syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)}
	}
	return out
}
