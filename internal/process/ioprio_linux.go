package process

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The kernel's ioprio encoding (include/uapi/linux/ioprio.h): the class
// in the top bits, the level within the class below.
const (
	ioprioClassShift = 13
	ioprioWhoProcess = 1
	ioprioLevels     = 8
)

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT:   1,
	specs.IOPRIO_CLASS_BE:   2,
	specs.IOPRIO_CLASS_IDLE: 3,
}

// IOPrio encodes p as ioprio_set(2) takes it, refusing an unknown class
// or a level out of 0..7 by field name.
func IOPrio(p *specs.LinuxIOPriority) (int, error) {
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return 0, fmt.Errorf("process.ioPriority.class %q: unknown class", p.Class)
	}
	if p.Priority < 0 || p.Priority >= ioprioLevels {
		return 0, fmt.Errorf("process.ioPriority.priority %d: must be 0 to 7", p.Priority)
	}
	return class<<ioprioClassShift | p.Priority, nil
}

// SetIOPriority applies p, when set, to the calling thread. It must run
// before the credentials change: the real-time class needs CAP_SYS_ADMIN
// (or CAP_SYS_NICE on recent kernels). The I/O context belongs to the
// thread, the one that execs, so it is the program's afterwards.
func SetIOPriority(p *specs.LinuxIOPriority) error {
	if p == nil {
		return nil
	}
	v, err := IOPrio(p)
	if err != nil {
		return err
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(v)); errno != 0 {
		return fmt.Errorf("process.ioPriority %s %d: %w", p.Class, p.Priority, errno)
	}
	return nil
}
