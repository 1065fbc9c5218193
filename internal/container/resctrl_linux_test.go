package container

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocikit/ocikit/internal/resctrl"
	"github.com/ocikit/ocikit/internal/state"
)

// TestRDTRecord: without a record nothing of resctrl is touched; with one
// an exec'd process joins the recorded group, and delete removes what
// the record says was made.
func TestRDTRecord(t *testing.T) {
	store := &state.Store{Root: t.TempDir()}
	c, err := store.Create("rdt")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := rdtCreate(c, "rdt", nil, 1); err != nil {
		t.Errorf("no intelRdt: %v", err)
	}
	if err := rdtJoin(store, "rdt", 1); err != nil {
		t.Errorf("join without a record: %v", err)
	}
	if err := rdtRemove(c); err != nil {
		t.Errorf("remove without a record: %v", err)
	}

	// A fake MON group: its tasks file exists, as the kernel's would.
	mon := filepath.Join(t.TempDir(), "mon")
	if err := os.Mkdir(mon, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mon, "tasks"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(resctrl.Group{Dir: filepath.Dir(mon), Mon: mon})
	if err := os.WriteFile(c.Path(rdtFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rdtJoin(store, "rdt", 4321); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(mon, "tasks")); string(got) != "4321" {
		t.Errorf("tasks %q, want 4321", got)
	}
	os.Remove(filepath.Join(mon, "tasks"))
	if err := rdtRemove(c); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mon); !os.IsNotExist(err) {
		t.Errorf("the MON group is left: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(mon)); err != nil {
		t.Errorf("the CTRL_MON group not made for the container went: %v", err)
	}
}
