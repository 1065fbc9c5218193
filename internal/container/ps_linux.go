package container

import (
	"bytes"
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/state"
)

// Proc is one process of a container.
type Proc struct {
	Pid  int      `json:"pid"`
	Comm string   `json:"comm"`
	Args []string `json:"args"`
}

// Ps lists the processes of a container: those in its cgroup, or, for a
// container without a cgroup of its own (rootless), those in its init's
// pid namespace.
func Ps(store *state.Store, id string) ([]Proc, error) {
	rec, err := store.Read(id)
	if err != nil {
		return nil, cerr.E(id, "ps", "", err)
	}
	st := rec.Status()
	if st != state.Created && st != state.Running && st != state.Paused {
		return nil, wrongStatus(id, "ps", st, "created or running")
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return nil, cerr.E(id, "ps", "", err)
	}
	pids, err := cg.Pids()
	if errors.Is(err, cgroups.ErrNoCgroup) {
		pids, err = pidsInPidNS(rec.Pid)
	}
	if err != nil {
		return nil, cerr.E(id, "ps", "", err)
	}
	sort.Ints(pids)
	procs := make([]Proc, 0, len(pids))
	for _, pid := range pids {
		p, ok := readProc(pid)
		if ok {
			procs = append(procs, p)
		}
	}
	return procs, nil
}

// readProc reads a process's name and arguments; a process that exited
// meanwhile is skipped.
func readProc(pid int) (Proc, bool) {
	base := "/proc/" + strconv.Itoa(pid) + "/"
	comm, err := os.ReadFile(base + "comm")
	if err != nil {
		return Proc{}, false
	}
	p := Proc{Pid: pid, Comm: strings.TrimSuffix(string(comm), "\n"), Args: []string{}}
	// A zombie has an empty command line: it keeps no arguments.
	if cmdline, err := os.ReadFile(base + "cmdline"); err == nil && len(cmdline) > 0 {
		for _, a := range bytes.Split(bytes.TrimSuffix(cmdline, []byte{0}), []byte{0}) {
			p.Args = append(p.Args, string(a))
		}
	}
	return p, true
}

// pidsInPidNS lists the host pids of the processes in the pid namespace
// of init (and its descendants' namespaces are left out: they are
// containers of their own).
func pidsInPidNS(init int) ([]int, error) {
	want, err := os.Readlink("/proc/" + strconv.Itoa(init) + "/ns/pid")
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err == nil && ns == want {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
