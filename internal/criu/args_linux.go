package criu

import (
	"fmt"
	"sort"
	"strconv"
)

// ManageCgroupsModes are the values criu's --manage-cgroups takes.
var ManageCgroupsModes = []string{"soft", "full", "strict", "ignore"}

// Common are the options a dump and a restore share.
type Common struct {
	ImageDir string // -D: the checkpoint's images
	WorkDir  string // -W: logs and criu's own files; "" means ImageDir

	TCPEstablished bool   // --tcp-established: established TCP connections
	ExtUnixSk      bool   // --ext-unix-sk: unix sockets whose peer is outside
	ShellJob       bool   // --shell-job: the tree belongs to a session or a terminal outside
	FileLocks      bool   // --file-locks: held flocks and POSIX locks
	ManageCgroups  string // --manage-cgroups: one of ManageCgroupsModes; "" means soft

	// Mounts maps each external mount's destination inside the container
	// to the name criu records (dump) or to the host source it is bound
	// from again (restore).
	Mounts map[string]string
}

// DumpOptions are the options of `criu dump`.
type DumpOptions struct {
	Common
	Pid          int  // -t: the root of the process tree (the container's init)
	LeaveRunning bool // -R: the tree goes on after the dump
}

// RestoreOptions are the options of `criu restore`, always detached: criu
// exits once the tree runs, which is then the caller's (a subreaper's)
// or init's to reap.
type RestoreOptions struct {
	Common
	Root    string // --root: where the container's root filesystem is mounted
	PidFile string // --pidfile: where criu writes the restored init's pid
	// CgroupRoots maps a controller list ("cpu,cpuacct"; "" for every
	// controller not listed, the cgroup v2 tree included) to the cgroup
	// the restored tree goes in, a path from that hierarchy's root.
	CgroupRoots map[string]string
	// InheritFDs maps a descriptor of criu to the file the dumped tree
	// had ("pipe:[1234]"): the restored process gets that descriptor in
	// its place.
	InheritFDs map[int]string
}

func (c *Common) args() ([]string, error) {
	if c.ImageDir == "" {
		return nil, fmt.Errorf("criu: no image directory")
	}
	work := c.WorkDir
	if work == "" {
		work = c.ImageDir
	}
	mode := c.ManageCgroups
	if mode == "" {
		mode = "soft"
	}
	if !validMode(mode) {
		return nil, fmt.Errorf("manage cgroups mode %q: not one of soft, full, strict, ignore", mode)
	}
	a := []string{"-D", c.ImageDir, "-W", work, "--manage-cgroups=" + mode}
	for _, f := range []struct {
		on   bool
		flag string
	}{
		{c.TCPEstablished, "--tcp-established"},
		{c.ExtUnixSk, "--ext-unix-sk"},
		{c.ShellJob, "--shell-job"},
		{c.FileLocks, "--file-locks"},
	} {
		if f.on {
			a = append(a, f.flag)
		}
	}
	return a, nil
}

func validMode(m string) bool {
	for _, v := range ManageCgroupsModes {
		if m == v {
			return true
		}
	}
	return false
}

// Args returns criu's command line for a dump, without the binary.
func (o *DumpOptions) Args() ([]string, error) {
	if o.Pid <= 0 {
		return nil, fmt.Errorf("criu dump: no process")
	}
	common, err := o.Common.args()
	if err != nil {
		return nil, err
	}
	a := append([]string{"dump", "-t", strconv.Itoa(o.Pid)}, common...)
	if o.LeaveRunning {
		a = append(a, "-R")
	}
	// A mount bound in from the host is not the container's to save:
	// criu records it under a name (here its destination) and the
	// restore binds a source given for that name.
	for _, dst := range sortedKeys(o.Mounts) {
		a = append(a, "--external", "mnt["+dst+"]:"+o.Mounts[dst])
	}
	return a, nil
}

// Args returns criu's command line for a restore, without the binary.
func (o *RestoreOptions) Args() ([]string, error) {
	if o.Root == "" || o.PidFile == "" {
		return nil, fmt.Errorf("criu restore: the root and the pid file are needed")
	}
	common, err := o.Common.args()
	if err != nil {
		return nil, err
	}
	a := append([]string{"restore"}, common...)
	a = append(a, "--root", o.Root, "--restore-detached", "--pidfile", o.PidFile)
	for _, ctrl := range sortedKeys(o.CgroupRoots) {
		v := o.CgroupRoots[ctrl]
		if ctrl != "" {
			v = ctrl + ":" + v
		}
		a = append(a, "--cgroup-root", v)
	}
	for _, dst := range sortedKeys(o.Mounts) {
		a = append(a, "--external", "mnt["+dst+"]:"+o.Mounts[dst])
	}
	fds := make([]int, 0, len(o.InheritFDs))
	for fd := range o.InheritFDs {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	for _, fd := range fds {
		a = append(a, "--inherit-fd", "fd["+strconv.Itoa(fd)+"]:"+o.InheritFDs[fd])
	}
	return a, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
