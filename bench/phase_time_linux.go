package main

import (
	"fmt"
	"time"
)

// alternate calls measure for every runtime, warmup+runs rounds, each
// round in another order (Order); measure's samples are kept from the
// rounds after the warm-up (keep is false before). It stops at the first error or at
// an interruption.
func (b *Bench) alternate(rts []Runtime, warmup, runs int, measure func(rt Runtime, round int, keep bool) error) error {
	for round := range warmup + runs {
		for _, i := range Order(len(rts), round) {
			if b.stopped() {
				return nil
			}
			if err := measure(rts[i], round, round >= warmup); err != nil {
				return err
			}
		}
	}
	return nil
}

// samples collects per-runtime samples of several series.
type samples map[string]map[string][]float64

func (s samples) add(series, runtime string, v float64) {
	if s[series] == nil {
		s[series] = map[string][]float64{}
	}
	s[series][runtime] = append(s[series][runtime], v)
}

func (s samples) store(m *Metric, series string) {
	for rt, xs := range s[series] {
		m.Set(rt, xs)
	}
}

// phaseRun is item 1: run /bin/true to completion in the foreground
// (oci-run, oci-runtime run, runc run, crun run), which includes the
// create, the start, the wait and the delete.
func (b *Bench) phaseRun() error {
	s := samples{}
	err := b.alternate(b.runtimes, b.cfg.Warmup, b.cfg.Runs, func(rt Runtime, round int, keep bool) error {
		id := fmt.Sprintf("run-%s-%d", rt.Name, round)
		bundle, err := b.bundles.Make(id, "/bin/true")
		if err != nil {
			return err
		}
		b.tracker.Add(rt, id)
		smp, err := b.runner.Run(rt.RunArgs(id, bundle))
		if err != nil {
			return err
		}
		b.tracker.Done(rt, id)
		if keep {
			s.add("wall", rt.Name, Millis(smp.Wall))
			s.add("cpu", rt.Name, Millis(smp.CPU))
		}
		return b.bundles.Remove(id)
	})
	s.store(b.res.Metric("run.wall", 1, "run /bin/true to completion", "ms", false), "wall")
	s.store(b.res.Metric("run.cpu", 1, "  CPU time of the run (user+sys, reaped children)", "ms", false), "cpu")
	return err
}

// cycle creates, starts and force-deletes one `sleep 1000` container and
// returns the three wall times. The container is tracked from before its
// create to the end of its delete.
func (b *Bench) cycle(r *Runner, rt Runtime, id, bundle string) (create, start, del Sample, err error) {
	b.tracker.Add(rt, id)
	if create, err = r.Run(rt.CreateArgs(id, bundle, "")); err != nil {
		return
	}
	if start, err = r.Run(rt.StartArgs(id)); err != nil {
		return
	}
	if del, err = r.Run(rt.DeleteArgs(id)); err != nil {
		return
	}
	b.tracker.Done(rt, id)
	return
}

// phaseCycle is items 2 and 3: create -> start -> delete --force of a
// sleeping container, with ocikit's single tools, oci-runtime, runc and
// crun, alternated.
func (b *Bench) phaseCycle() error {
	s := samples{}
	err := b.alternate(b.runtimes, b.cfg.Warmup, b.cfg.Runs, func(rt Runtime, round int, keep bool) error {
		id := fmt.Sprintf("cycle-%s-%d", rt.Name, round)
		bundle, err := b.bundles.Make(id, "sleep", "1000")
		if err != nil {
			return err
		}
		c, st, d, err := b.cycle(b.runner, rt, id, bundle)
		if err != nil {
			return err
		}
		if keep {
			s.add("total", rt.Name, Millis(c.Wall+st.Wall+d.Wall))
			s.add("create", rt.Name, Millis(c.Wall))
			s.add("start", rt.Name, Millis(st.Wall))
			s.add("delete", rt.Name, Millis(d.Wall))
			s.add("cpu", rt.Name, Millis(c.CPU+st.CPU+d.CPU))
		}
		return b.bundles.Remove(id)
	})
	s.store(b.res.Metric("cycle.total", 2, "cycle create -> start -> delete -f", "ms", false), "total")
	s.store(b.res.Metric("cycle.create", 2, "  create", "ms", false), "create")
	s.store(b.res.Metric("cycle.start", 2, "  start", "ms", false), "start")
	s.store(b.res.Metric("cycle.delete", 2, "  delete -f", "ms", false), "delete")
	s.store(b.res.Metric("cycle.cpu", 2, "  CPU time of the cycle (user+sys)", "ms", false), "cpu")
	return err
}

// idlePause is how long the idle phase leaves the host alone before each
// cycle: long enough for the kernel's cgroup migration lock to fall back
// to its fast, idle state (its grace period is a few milliseconds here),
// so that the cycle's first migration pays what it pays on a host that
// starts one container now and then.
const idlePause = 200 * time.Millisecond

// phaseIdle is the cycle again, each one after a pause: the back-to-back
// figures of phaseCycle are a busy host's, and this is a quiet one's.
func (b *Bench) phaseIdle() error {
	s := samples{}
	err := b.alternate(b.runtimes, min(b.cfg.Warmup, 1), b.cfg.MemRuns, func(rt Runtime, round int, keep bool) error {
		id := fmt.Sprintf("idle-%s-%d", rt.Name, round)
		bundle, err := b.bundles.Make(id, "sleep", "1000")
		if err != nil {
			return err
		}
		time.Sleep(idlePause)
		c, st, d, err := b.cycle(b.runner, rt, id, bundle)
		if err != nil {
			return err
		}
		if keep {
			s.add("total", rt.Name, Millis(c.Wall+st.Wall+d.Wall))
			s.add("create", rt.Name, Millis(c.Wall))
		}
		return b.bundles.Remove(id)
	})
	s.store(b.res.Metric("idle.total", 2, fmt.Sprintf("cycle after %v idle", idlePause), "ms", false), "total")
	s.store(b.res.Metric("idle.create", 2, "  create", "ms", false), "create")
	return err
}

// elapsed is a helper for the phases that time a batch.
func elapsed(start time.Time) float64 { return time.Since(start).Seconds() }
