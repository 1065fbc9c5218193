package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// phaseMemory is item 5: the peak RSS of each command (wait4's
// ru_maxrss, through the helper), the RSS and threads of the init
// waiting between create and start, and what the container's v1 memory
// cgroup is charged right after create.
func (b *Bench) phaseMemory() error {
	floor, err := b.rusageFloor()
	if err != nil {
		return err
	}
	b.res.Notes = append(b.res.Notes, fmt.Sprintf(
		"peak RSS figures have a floor of %d KiB: the rusage helper's own high-water mark, which a child inherits at execve "+
			"(measured as the peak RSS of busybox true through the helper)", floor))
	s := samples{}
	err = b.alternate(b.runtimes, min(b.cfg.Warmup, 1), b.cfg.MemRuns, func(rt Runtime, round int, keep bool) error {
		return b.memoryRound(rt, round, keep, s)
	})
	kb := "KiB"
	s.store(b.res.Metric("mem.create.maxrss", 5, "peak RSS of create (ru_maxrss)", kb, false), "create")
	s.store(b.res.Metric("mem.init.rss", 5, "waiting init: VmRSS between create and start", kb, false), "rss")
	s.store(b.res.Metric("mem.init.anon", 5, "  of which anonymous (RssAnon)", kb, false), "anon")
	s.store(b.res.Metric("mem.init.file", 5, "  of which file-backed (RssFile)", kb, false), "file")
	s.store(b.res.Metric("mem.init.threads", 5, "waiting init: threads", "count", false), "threads")
	s.store(b.res.Metric("mem.cgroup", 5, "memory cgroup usage right after create", kb, false), "cgroup")
	s.store(b.res.Metric("mem.start.maxrss", 5, "peak RSS of start", kb, false), "start")
	s.store(b.res.Metric("mem.delete.maxrss", 5, "peak RSS of delete -f", kb, false), "delete")
	s.store(b.res.Metric("mem.run.maxrss", 5, "peak RSS of run /bin/true", kb, false), "run")
	return err
}

// rusageFloor is the peak RSS the helper reports for a program that
// barely has one of its own.
func (b *Bench) rusageFloor() (int64, error) {
	var xs []float64
	for range 5 {
		smp, err := b.runner.RunRusage([]string{b.cfg.Busybox, "true"})
		if err != nil {
			return 0, err
		}
		xs = append(xs, float64(smp.MaxRSS))
	}
	return int64(Summarize(xs).Max), nil
}

func (b *Bench) memoryRound(rt Runtime, round int, keep bool, s samples) error {
	id := fmt.Sprintf("mem-%s-%d", rt.Name, round)
	bundle, err := b.bundles.Make(id, "sleep", "1000")
	if err != nil {
		return err
	}
	defer b.bundles.Remove(id)
	pidFile := filepath.Join(b.tmp, "pid-"+id)
	defer os.Remove(pidFile)

	b.tracker.Add(rt, id)
	create, err := b.runner.RunRusage(rt.CreateArgs(id, bundle, pidFile))
	if err != nil {
		return err
	}
	pid, err := readPidFile(pidFile)
	if err != nil {
		return err
	}
	// The waiting init is measured settled, every runtime's alike:
	// ocikit's Go init says ready and only then execs the small waiter
	// that does the waiting, about a millisecond after create returns.
	time.Sleep(settle)
	st, err := readProcStatus(pid)
	if err != nil {
		return err
	}
	usage, err := b.cgroup.MemoryUsage(b.bundles.CgroupPath(id))
	if err != nil {
		return err
	}
	start, err := b.runner.RunRusage(rt.StartArgs(id))
	if err != nil {
		return err
	}
	del, err := b.runner.RunRusage(rt.DeleteArgs(id))
	if err != nil {
		return err
	}
	b.tracker.Done(rt, id)

	runID := fmt.Sprintf("memrun-%s-%d", rt.Name, round)
	runBundle, err := b.bundles.Make(runID, "/bin/true")
	if err != nil {
		return err
	}
	defer b.bundles.Remove(runID)
	b.tracker.Add(rt, runID)
	run, err := b.runner.RunRusage(rt.RunArgs(runID, runBundle))
	if err != nil {
		return err
	}
	b.tracker.Done(rt, runID)

	if keep {
		s.add("create", rt.Name, float64(create.MaxRSS))
		s.add("rss", rt.Name, float64(st.VmRSS))
		s.add("anon", rt.Name, float64(st.RssAnon))
		s.add("file", rt.Name, float64(st.RssFile))
		s.add("threads", rt.Name, float64(st.Threads))
		s.add("cgroup", rt.Name, float64(usage)/1024)
		s.add("start", rt.Name, float64(start.MaxRSS))
		s.add("delete", rt.Name, float64(del.MaxRSS))
		s.add("run", rt.Name, float64(run.MaxRSS))
	}
	return nil
}

// settle is how long after create the waiting init is looked at.
const settle = 50 * time.Millisecond

func readPidFile(path string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read pid file %q: %w", path, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %q: %q is not a pid", path, raw)
	}
	return pid, nil
}

func readProcStatus(pid int) (ProcStatus, error) {
	p := fmt.Sprintf("/proc/%d/status", pid)
	f, err := os.Open(p)
	if err != nil {
		return ProcStatus{}, fmt.Errorf("open %q: %w", p, err)
	}
	defer f.Close()
	st, err := ParseProcStatus(f)
	if err != nil {
		return ProcStatus{}, fmt.Errorf("read %q: %w", p, err)
	}
	return st, nil
}
