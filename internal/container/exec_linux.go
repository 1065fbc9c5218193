package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/tty"
)

// ExecOptions are the inputs of Exec.
type ExecOptions struct {
	Store         *state.Store
	ID            string
	Process       *specs.Process // the whole process to run (see ExecProcess)
	Detach        bool
	PidFile       string
	ConsoleSocket string
	PreserveFDs   int
	// Stdio of the new process.
	Stdin, Stdout, Stderr *os.File
	Log                   *slog.Logger
}

// procNS names the /proc/PID/ns entry of each namespace type.
var procNS = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
	specs.NetworkNamespace: "net", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// Exec runs a new process in a created or running container: it joins
// every namespace the container has (user and mount included, through the
// nsenter constructor) and its cgroup, then takes the process's
// credentials, capabilities and limits. Unless detached it waits for the
// process and returns its exit status (128+N when killed by signal N);
// detached, it returns the process's pid.
func Exec(o *ExecOptions) (code, pid int, err error) {
	id := o.ID
	wrap := func(err error) error { return cerr.E(id, "exec", "", err) }
	if o.Process == nil || len(o.Process.Args) == 0 {
		return 0, 0, wrap(errors.New("no command to run"))
	}
	rec, err := o.Store.Read(id)
	if err != nil {
		return 0, 0, wrap(err)
	}
	if st := rec.Status(); st != state.Created && st != state.Running {
		return 0, 0, wrongStatus(id, "exec", st, "created or running")
	}
	s, err := LoadSpec(o.Store, id)
	if err != nil {
		return 0, 0, wrap(err)
	}
	if o.Process.Terminal && o.ConsoleSocket == "" && o.Detach {
		return 0, 0, wrap(errors.New("a detached process with a terminal needs --console-socket"))
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return 0, 0, wrap(err)
	}
	if cg, err = cg.ForExec(rec.Pid); err != nil {
		return 0, 0, wrap(err)
	}

	l, err := newLauncher(o.PreserveFDs)
	if err != nil {
		return 0, 0, wrap(err)
	}
	defer l.close()
	nsFiles, err := openContainerNS(rec, s)
	if err != nil {
		return 0, 0, wrap(err)
	}
	defer func() {
		for _, f := range nsFiles.files {
			f.Close()
		}
	}()
	l.join(nsFiles.files, nsFiles.types)

	cfg := initproto.Config{
		ID:          id,
		Spec:        execSpec(s, o.Process),
		Exec:        true,
		ConsoleFD:   -1,
		PreserveFDs: o.PreserveFDs,
	}
	var fg *foreground
	if !o.Detach {
		// Catching the signals to forward takes about a millisecond
		// (see catchSignals): it goes on while the process is launched
		// and is over before the process gets its config, so none sent
		// once the program may run is lost.
		fg = catchSignals()
		defer fg.close()
		if o.Process.Terminal && o.ConsoleSocket == "" {
			if err := fg.openConsole(); err != nil {
				return 0, 0, wrap(err)
			}
			cfg.ConsoleFD = l.add(fg.theirs)
		}
	}
	if o.Process.Terminal && o.ConsoleSocket != "" {
		console, err := tty.DialConsole(o.ConsoleSocket)
		if err != nil {
			return 0, 0, cerr.E(id, "exec", o.ConsoleSocket, fmt.Errorf("connect to console socket: %w", err))
		}
		defer console.Close()
		cfg.ConsoleFD = l.add(console)
	}

	var cpus specs.CPUAffinity
	if o.Process.ExecCPUAffinity != nil {
		cpus = *o.Process.ExecCPUAffinity
	}
	// Under a pids limit the process joins the cgroup once its Go
	// runtime has its threads: started inside, it needs about five pids
	// free (the bootstrap, its fork, the threads), and a container at
	// its limit could never be exec'd into. A move is not refused for
	// the limit. Elsewhere it starts inside, which saves the move's
	// 5-20 ms (see cgroups.SelfJoin).
	late := cg.PidsLimited()
	p, err := l.launch(&launchRequest{
		name: "exec", id: id, dir: "/",
		stdin: o.Stdin, stdout: o.Stdout, stderr: o.Stderr,
		cg:          cg,
		initialCPUs: cpus.Initial,
		lateCgroup:  late,
	})
	if err != nil {
		return 0, 0, wrap(err)
	}
	if late {
		if err := l.awaitUp(); err != nil {
			p.kill()
			return 0, 0, wrap(fmt.Errorf("wait for the process to start: %w", err))
		}
		if err := cg.Apply(p.pid); err != nil {
			p.kill()
			return 0, 0, wrap(err)
		}
	}
	// The final affinity is set from here, once the process is in the
	// container's cgroups (a v1 cpuset narrows a mask set before) and
	// before it has its config, so the program starts on those CPUs.
	// The exec role runs on its main thread, whose tid is the pid, and
	// that thread alone survives the execve.
	if cpus.Final != "" {
		if err := process.SetAffinity(p.pid, cpus.Final, "process.execCPUAffinity.final"); err != nil {
			p.kill()
			return 0, 0, wrap(err)
		}
	}
	// Likewise the container's resctrl group (linux.intelRdt), which the
	// nsenter bootstrap does not join as it does the cgroups.
	if err := rdtJoin(o.Store, id, p.pid); err != nil {
		p.kill()
		return 0, 0, wrap(err)
	}
	// The container's init must still be the one the state names: its
	// namespaces were opened by pid.
	if !state.Alive(rec.Pid, rec.InitStartTime) {
		p.kill()
		return 0, 0, wrap(errors.New("the container stopped"))
	}
	if fg != nil {
		fg.awaitSignals()
	}
	if err := json.NewEncoder(l.sock).Encode(&cfg); err != nil {
		p.kill()
		return 0, 0, wrap(fmt.Errorf("send config: %w", err))
	}
	// Read after the Config is sent where nothing waits for it: the
	// process then never waits for this one to wake up.
	if err := l.awaitUp(); err != nil {
		p.kill()
		return 0, 0, wrap(fmt.Errorf("wait for the process to start: %w", err))
	}
	// The process's end of the socket is close-on-exec: EOF with nothing
	// said means the exec happened. A seccomp listener may come first.
	st := hookState(s, id, rec.Pid, rec.Bundle, specs.ContainerState(rec.Status()))
	msg, err := execReplies(l.sock, func(fdr *fdReader) error { return passListener(fdr, s, st, p.pid) })
	if err != nil {
		p.kill()
		return 0, 0, wrap(err)
	}
	if len(msg) > 0 {
		p.kill()
		var rep initproto.Reply
		if json.Unmarshal(msg, &rep) != nil {
			rep.Error = string(msg)
		}
		return 0, 0, cerr.E(id, "exec", "", replyError(rep))
	}
	if o.PidFile != "" {
		if err := fsutil.WriteFileAtomic(o.PidFile, []byte(strconv.Itoa(p.pid)), 0o644, false); err != nil {
			p.kill()
			return 0, 0, cerr.E(id, "exec", o.PidFile, fmt.Errorf("write pid file: %w", err))
		}
	}
	if o.Detach {
		return 0, p.pid, nil
	}
	if err := fg.attach(o.Stdin, o.Stdout, o.Log); err != nil {
		p.kill()
		return 0, 0, wrap(err)
	}
	return fg.wait(p.pid, p.startTime), p.pid, nil
}

type nsSet struct {
	files []*os.File
	types []uintptr
}

// openContainerNS opens the namespaces of the container's init that are
// not the caller's own (joining one's own user namespace is an error, and
// joining any other of one's own is pointless).
func openContainerNS(rec *state.Record, s *specs.Spec) (nsSet, error) {
	var set nsSet
	fail := func(err error) (nsSet, error) {
		for _, f := range set.files {
			f.Close()
		}
		return nsSet{}, err
	}
	if s.Linux == nil {
		return set, nil
	}
	for _, ns := range s.Linux.Namespaces {
		name, ok := procNS[ns.Type]
		if !ok {
			continue
		}
		p := fmt.Sprintf("/proc/%d/ns/%s", rec.Pid, name)
		f, err := os.Open(p)
		if err != nil {
			return fail(cerr.Op("open namespace", p, err))
		}
		var theirs, ours unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &theirs); err != nil {
			f.Close()
			return fail(cerr.Op("open namespace", p, err))
		}
		if unix.Stat("/proc/self/ns/"+name, &ours) == nil && ours.Ino == theirs.Ino && ours.Dev == theirs.Dev {
			f.Close()
			continue
		}
		set.files = append(set.files, f)
		set.types = append(set.types, cloneFlagOf(ns.Type))
	}
	// Opened by pid: make sure the pid is still the container's init.
	if !state.Alive(rec.Pid, rec.InitStartTime) {
		return fail(errors.New("the container stopped"))
	}
	return set, nil
}

func cloneFlagOf(t specs.LinuxNamespaceType) uintptr {
	f, _ := initproto.CloneFlag(string(t))
	return f
}

// execSpec is what the exec role needs of the container's spec: the new
// process, and what applies to every process of the container: its
// seccomp filter, its personality and its memory policy (an exec'd
// process is not the init's child, so it inherits neither).
func execSpec(s *specs.Spec, p *specs.Process) *specs.Spec {
	es := &specs.Spec{Version: s.Version, Process: p}
	if l := s.Linux; l != nil && (l.Seccomp != nil || l.Personality != nil || l.MemoryPolicy != nil) {
		es.Linux = &specs.Linux{Seccomp: l.Seccomp, Personality: l.Personality, MemoryPolicy: l.MemoryPolicy}
	}
	return es
}
