package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// profileEvents are the tracepoints the profile phase records system
// wide. They fire a few hundred times per container, so recording them
// costs little, unlike strace, which stops the tracee at every system
// call and multiplies a Go runtime's start-up several times over.
var profileEvents = []string{
	"sched:sched_process_exec", "sched:sched_process_fork", "sched:sched_process_exit",
	"cgroup:cgroup_mkdir", "cgroup:cgroup_rmdir", "cgroup:cgroup_attach_task",
	"syscalls:sys_enter_unshare", "syscalls:sys_exit_unshare", "syscalls:sys_enter_clone",
	"syscalls:sys_enter_mount", "syscalls:sys_enter_pivot_root",
}

// profileRun is one traced command.
type profileRun struct {
	runtime, step, id, program string
	pid                        int
}

// phaseProfile records the tracepoints above with `perf record -a` while
// the runtimes, alternated, run /bin/true and go through the
// create-start-delete cycle, then prints the median timeline of each
// step: when, after the runtime's execve, each of its milestones came.
func (b *Bench) phaseProfile() error {
	perf, err := exec.LookPath("perf")
	if err != nil {
		return fmt.Errorf("perf is needed for the profile phase (Debian: linux-perf): %w", err)
	}
	data := filepath.Join(b.tmp, "perf.data")
	argv := []string{perf, "record", "-a", "-q", "-o", data, "-e", strings.Join(profileEvents, ",")}
	// Started like the runtimes, in a process group of its own: the
	// terminal's Ctrl-C must not stop it before this program does, so
	// the trace is always written out.
	logPath := filepath.Join(b.tmp, "perf.log")
	log, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("create %q: %w", logPath, err)
	}
	defer log.Close()
	rec, err := b.reaper.Start(argv, b.env, []*os.File{b.runner.null, log, log})
	if err != nil {
		return fmt.Errorf("start perf record: %w", err)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = syscall.Kill(rec.Pid, syscall.SIGINT)
		// perf record exits 0, or with SIGINT's status, after a clean
		// stop; anything else means the trace is not usable.
		e := rec.Wait()
		code := e.Status.ExitStatus()
		if e.Status.Exited() && (code == 0 || code == 130) || e.Status.Signaled() && e.Status.Signal() == syscall.SIGINT {
			return nil
		}
		out, _ := os.ReadFile(logPath)
		return fmt.Errorf("perf record: %s: %s", describeStatus(e.Status), strings.TrimSpace(string(out)))
	}
	defer stop()
	// perf record needs a moment to open its events on every CPU; runs
	// made before are simply missing from the trace and dropped.
	time.Sleep(1500 * time.Millisecond)

	var runs []profileRun
	n := min(b.cfg.Runs, 20)
	err = b.alternate(b.runtimes, 1, n, func(rt Runtime, round int, keep bool) error {
		id := fmt.Sprintf("prof-run-%s-%d", rt.Name, round)
		bundle, err := b.bundles.Make(id, "/bin/true")
		if err != nil {
			return err
		}
		b.tracker.Add(rt, id)
		s, err := b.runner.Run(rt.RunArgs(id, bundle))
		if err != nil {
			return err
		}
		b.tracker.Done(rt, id)
		runs = append(runs, profileRun{rt.Name, "run", id, "/bin/true", s.Pid})
		id = fmt.Sprintf("prof-cycle-%s-%d", rt.Name, round)
		if bundle, err = b.bundles.Make(id, "sleep", "1000"); err != nil {
			return err
		}
		b.tracker.Add(rt, id)
		for _, step := range []struct {
			name string
			argv []string
		}{{"create", rt.CreateArgs(id, bundle, "")}, {"start", rt.StartArgs(id)}, {"delete", rt.DeleteArgs(id)}} {
			s, err := b.runner.Run(step.argv)
			if err != nil {
				return err
			}
			runs = append(runs, profileRun{rt.Name, step.name, id, "/bin/sleep", s.Pid})
		}
		b.tracker.Done(rt, id)
		return nil
	})
	if serr := stop(); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	return b.analyzeProfile(perf, data, runs)
}

func (b *Bench) analyzeProfile(perf, data string, runs []profileRun) error {
	path := filepath.Join(b.tmp, "perf.txt")
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %q: %w", path, err)
	}
	defer out.Close()
	c, err := b.reaper.Start([]string{perf, "script", "-i", data, "-F", "comm,pid,tid,time,event,trace"},
		b.env, []*os.File{b.runner.null, out, b.runner.output})
	if err != nil {
		return fmt.Errorf("start perf script: %w", err)
	}
	if e := c.Wait(); !e.Status.Exited() || e.Status.ExitStatus() != 0 {
		return fmt.Errorf("perf script: %s: %s", describeStatus(e.Status), b.runner.Output())
	}
	if _, err := out.Seek(0, 0); err != nil {
		return fmt.Errorf("rewind %q: %w", path, err)
	}
	events, _, err := ParsePerfScript(out)
	if err != nil {
		return fmt.Errorf("read %q: %w", path, err)
	}
	byStep := map[string]map[string][]Timeline{}
	for _, r := range runs {
		tl, ok := BuildTimeline(events, r.pid, r.id, r.program)
		if !ok {
			continue
		}
		if byStep[r.step] == nil {
			byStep[r.step] = map[string][]Timeline{}
		}
		byStep[r.step][r.runtime] = append(byStep[r.step][r.runtime], tl)
	}
	b.res.Profile = map[string]map[string]TimelineSummary{}
	for step, perRuntime := range byStep {
		b.res.Profile[step] = map[string]TimelineSummary{}
		for rt, tls := range perRuntime {
			b.res.Profile[step][rt] = SummarizeTimelines(tls)
		}
	}
	return nil
}
