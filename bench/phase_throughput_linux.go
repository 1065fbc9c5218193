package main

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// phaseThroughput is item 4: batches of Cycles create-start-delete
// cycles, Parallel at once, for each runtime in turn (in another order
// each round); the figure is containers per second of a batch.
func (b *Bench) phaseThroughput() error {
	runners := make([]*Runner, b.cfg.Parallel)
	for i := range runners {
		r, err := NewRunner(b.reaper, b.env, b.cfg.RusageHelper, filepath.Join(b.tmp, fmt.Sprintf("output-worker-%d", i)))
		if err != nil {
			return err
		}
		defer r.Close()
		runners[i] = r
	}
	s := samples{}
	// One unmeasured batch per runtime first when warm-up is asked for,
	// like the other phases.
	warm := min(b.cfg.Warmup, 1)
	err := b.alternate(b.runtimes, warm, b.cfg.ThroughputRounds, func(rt Runtime, round int, keep bool) error {
		secs, err := b.batch(runners, rt, round)
		if err != nil {
			return err
		}
		if keep {
			s.add("rate", rt.Name, float64(b.cfg.Cycles)/secs)
		}
		return nil
	})
	m := b.res.Metric("throughput", 4,
		fmt.Sprintf("throughput: %d cycles, %d in parallel", b.cfg.Cycles, b.cfg.Parallel), "containers/s", true)
	s.store(m, "rate")
	return err
}

// batch runs one throughput batch and returns its duration in seconds.
// Bundles are written before the clock starts.
func (b *Bench) batch(runners []*Runner, rt Runtime, round int) (float64, error) {
	ids := make([]string, b.cfg.Cycles)
	bundles := make([]string, b.cfg.Cycles)
	for i := range ids {
		ids[i] = fmt.Sprintf("tp-%s-%d-%d", rt.Name, round, i)
		dir, err := b.bundles.Make(ids[i], "sleep", "1000")
		if err != nil {
			return 0, err
		}
		bundles[i] = dir
	}
	work := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	start := time.Now()
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, _, _, err := b.cycle(r, rt, ids[i], bundles[i]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range ids {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || b.stopped() {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	secs := elapsed(start)
	for _, id := range ids {
		if err := b.bundles.Remove(id); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil && b.stopped() {
		return 0, errInterrupted
	}
	return secs, firstErr
}
