package state

import (
	"encoding/json"
	"os"
	"testing"
)

// TestPausedStatus: a started container with the paused flag is paused
// while its init lives, stopped once it is gone; the flag of a container
// never started changes nothing.
func TestPausedStatus(t *testing.T) {
	start, _, err := ProcStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{ID: "p", Pid: os.Getpid(), InitStartTime: start, Started: true, Paused: true}
	if st := r.Status(); st != Paused {
		t.Fatalf("status = %s, want paused", st)
	}
	if v := r.View(); v.Status != Paused || v.Pid != os.Getpid() {
		t.Fatalf("view = %+v", v)
	}
	r.InitStartTime = start + 1
	if st := r.Status(); st != Stopped {
		t.Fatalf("status of a dead paused init = %s, want stopped", st)
	}
	r.InitStartTime, r.Started = start, false
	if st := r.Status(); st != Created {
		t.Fatalf("status = %s, want created", st)
	}
}

// TestPausedRoundTrip: the flag survives state.json and is left out when
// unset, so records written before it existed read the same.
func TestPausedRoundTrip(t *testing.T) {
	b, err := json.Marshal(&Record{ID: "p", Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil || !r.Paused {
		t.Fatalf("round trip: %+v, %v", r, err)
	}
	b, _ = json.Marshal(&Record{ID: "p"})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if _, ok := m["paused"]; ok {
		t.Fatalf("an unpaused record says paused: %s", b)
	}
}
