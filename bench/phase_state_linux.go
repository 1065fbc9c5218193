package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// phaseState is item 6: the state of one container, and the listing of
// ListSize running containers, for each runtime. ocikit's two faces list
// the same store (oci-state with no argument, oci-runtime list).
func (b *Bench) phaseState() error {
	populated := map[string][]string{} // state root -> container IDs in it
	var owners []Runtime               // one runtime per state root, to create and delete with
	for _, rt := range b.runtimes {
		if _, ok := populated[rt.Root]; !ok {
			populated[rt.Root] = nil
			owners = append(owners, rt)
		}
	}
	defer func() {
		for _, rt := range owners {
			b.deleteMany(rt, populated[rt.Root])
		}
	}()
	for _, rt := range owners {
		if b.stopped() {
			return nil
		}
		ids, err := b.createMany(rt)
		populated[rt.Root] = ids
		if err != nil {
			return err
		}
	}
	s := samples{}
	err := b.alternate(b.runtimes, b.cfg.Warmup, b.cfg.Runs, func(rt Runtime, round int, keep bool) error {
		ids := populated[rt.Root]
		st, err := b.runner.Run(rt.StateArgs(ids[round%len(ids)]))
		if err != nil {
			return err
		}
		ls, err := b.runner.Run(rt.ListArgs())
		if err != nil {
			return err
		}
		if n := CountLinesWith(b.runner.Output(), listPrefix(rt)); n != len(ids) {
			return fmt.Errorf("%s list shows %d of its %d containers", rt.Name, n, len(ids))
		}
		if keep {
			s.add("state", rt.Name, Millis(st.Wall))
			s.add("list", rt.Name, Millis(ls.Wall))
		}
		return nil
	})
	s.store(b.res.Metric("state.one", 6, "state of one container", "ms", false), "state")
	s.store(b.res.Metric("state.list", 6, fmt.Sprintf("list %d running containers", b.cfg.ListSize), "ms", false), "list")
	return err
}

// listPrefix starts the IDs of the list containers of rt's store.
func listPrefix(rt Runtime) string { return "ls-" + filepath.Base(rt.Root) + "-" }

// CountLinesWith counts the lines of out that contain s: one per
// container in ocikit's JSON lines and in runc's and crun's tables.
func CountLinesWith(out, s string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// createMany creates and starts ListSize sleeping containers with rt,
// Parallel at a time, and returns the IDs of those it made.
func (b *Bench) createMany(rt Runtime) ([]string, error) {
	ids := make([]string, b.cfg.ListSize)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%d", listPrefix(rt), i)
	}
	err := b.parallel(ids, func(r *Runner, id string) error {
		if b.stopped() {
			return errInterrupted
		}
		bundle, err := b.bundles.Make(id, "sleep", "1000")
		if err != nil {
			return err
		}
		b.tracker.Add(rt, id)
		if _, err := r.Run(rt.CreateArgs(id, bundle, "")); err != nil {
			return err
		}
		_, err = r.Run(rt.StartArgs(id))
		return err
	})
	return ids, err
}

// deleteMany force-deletes the containers of ids with rt; any it fails
// to delete stay tracked for the final cleanup.
func (b *Bench) deleteMany(rt Runtime, ids []string) {
	_ = b.parallel(ids, func(r *Runner, id string) error {
		if _, err := r.Run(rt.DeleteArgs(id)); err != nil {
			return err
		}
		b.tracker.Done(rt, id)
		return b.bundles.Remove(id)
	})
}

// parallel calls fn for every id, Parallel at a time, each worker with a
// runner of its own; it returns the first error and stops handing out
// work after it. It does not stop for an interruption: the deletes that
// use it must finish.
func (b *Bench) parallel(ids []string, fn func(r *Runner, id string) error) error {
	work := make(chan string)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := range b.cfg.Parallel {
		r, err := NewRunner(b.reaper, b.env, b.cfg.RusageHelper, filepath.Join(b.tmp, fmt.Sprintf("output-par-%d", w)))
		if err != nil {
			firstErr = err
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for id := range work {
				if err := fn(r, id); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
	return firstErr
}
