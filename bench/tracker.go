package main

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Tracker remembers every container that may exist, from just before its
// create to the end of a successful delete, so that an interrupted or
// failed run can delete exactly those and nothing else.
type Tracker struct {
	mu   sync.Mutex
	live map[string]trackedContainer
}

type trackedContainer struct {
	rt Runtime
	id string
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker { return &Tracker{live: map[string]trackedContainer{}} }

func trackKey(rt Runtime, id string) string { return rt.Name + "\x00" + id }

// Add records that rt is about to create id.
func (t *Tracker) Add(rt Runtime, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live[trackKey(rt, id)] = trackedContainer{rt: rt, id: id}
}

// Done records that id is deleted.
func (t *Tracker) Done(rt Runtime, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.live, trackKey(rt, id))
}

// Len is the number of containers that may still exist.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}

// DeleteAll force-deletes every container that may still exist, with
// each one's own runtime, and forgets those deleted. A runtime that says
// the container does not exist has nothing left to delete.
func (t *Tracker) DeleteAll(del func(rt Runtime, id string) error) error {
	t.mu.Lock()
	left := make([]trackedContainer, 0, len(t.live))
	for _, c := range t.live {
		left = append(left, c)
	}
	t.mu.Unlock()
	sort.Slice(left, func(i, j int) bool { return trackKey(left[i].rt, left[i].id) < trackKey(left[j].rt, left[j].id) })
	var errs []error
	for _, c := range left {
		if err := del(c.rt, c.id); err != nil {
			errs = append(errs, fmt.Errorf("delete %s container %q: %w", c.rt.Name, c.id, err))
			continue
		}
		t.Done(c.rt, c.id)
	}
	return errors.Join(errs...)
}
