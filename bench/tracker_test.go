package main

import (
	"errors"
	"slices"
	"testing"
)

func TestTrackerDeleteAll(t *testing.T) {
	tr := NewTracker()
	a, b := Runtime{Name: "a"}, Runtime{Name: "b"}
	tr.Add(a, "1")
	tr.Add(b, "1") // the same ID under another runtime is another container
	tr.Add(a, "2")
	tr.Done(a, "2")
	if tr.Len() != 2 {
		t.Fatalf("Len = %d, want 2", tr.Len())
	}
	var seen []string
	err := tr.DeleteAll(func(rt Runtime, id string) error {
		seen = append(seen, rt.Name+"/"+id)
		if rt.Name == "b" {
			return errors.New("busy")
		}
		return nil
	})
	if err == nil || !slices.Equal(seen, []string{"a/1", "b/1"}) {
		t.Fatalf("DeleteAll: seen %q, err %v", seen, err)
	}
	// The failed one is kept for another attempt.
	if tr.Len() != 1 {
		t.Errorf("Len after a partial cleanup = %d, want 1", tr.Len())
	}
}
