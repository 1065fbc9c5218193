package cgroups

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fakeHierarchies returns v1 hierarchies "a" and "b" mounted on plain
// directories under a temporary directory, so Create's bookkeeping can be
// tested without cgroup file systems or root.
func fakeHierarchies(t *testing.T) (string, []Hierarchy) {
	dir := t.TempDir()
	var hs []Hierarchy
	for _, c := range []string{"a", "b"} {
		mnt := filepath.Join(dir, c)
		if err := os.Mkdir(mnt, 0o755); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, Hierarchy{Mountpoint: mnt, Root: "/", Version: 1, Controllers: []string{c}})
	}
	return dir, hs
}

func fakeManager(t *testing.T, hs []Hierarchy, path string) *Manager {
	t.Helper()
	m, err := newManager("c1", path, hs, nil, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCreateOwnsOnlyWhatItMakes(t *testing.T) {
	dir, hs := fakeHierarchies(t)
	// In "a" the parent exists already (the user made it); in "b" not.
	if err := os.Mkdir(filepath.Join(dir, "a", "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := fakeManager(t, hs, "/p/c")
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "a", "p", "c"),
		filepath.Join(dir, "b", "p"),
		filepath.Join(dir, "b", "p", "c"),
	}
	if got := m.State().Owned; !reflect.DeepEqual(got, want) {
		t.Errorf("owned %v, want %v", got, want)
	}
	for _, d := range want {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}

	// A second container joining the existing leaf owns nothing.
	m2 := fakeManager(t, hs, "/p/c")
	if err := m2.Create(); err != nil {
		t.Fatal(err)
	}
	if got := m2.State().Owned; len(got) != 0 {
		t.Errorf("joining an existing cgroup owned %v", got)
	}
}

func TestCreateRemovesWhatItMadeOnFailure(t *testing.T) {
	dir, hs := fakeHierarchies(t)
	// "b" cannot get its cgroup: a file sits where the parent should be.
	if err := os.WriteFile(filepath.Join(dir, "b", "p"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m := fakeManager(t, hs, "/p/c")
	err := m.Create()
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "b", "p", "c")) {
		t.Fatalf("Create: %v, want an error naming b/p/c", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "p")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a/p was left behind: %v", err)
	}
	if got := m.State().Owned; len(got) != 0 {
		t.Errorf("owned after failure: %v", got)
	}
}

func TestStateRoundTrip(t *testing.T) {
	_, hs := fakeHierarchies(t)
	m := fakeManager(t, hs, "/p/c")
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m.State())
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	l := Load(s)
	if !reflect.DeepEqual(l.State(), m.State()) {
		t.Errorf("loaded %+v, saved %+v", l.State(), m.State())
	}
	if !strings.Contains(string(b), `"owned"`) || !strings.Contains(string(b), `"paths"`) {
		t.Errorf("json %s", b)
	}
	// A loaded manager must not share maps with the saved state.
	l.Paths["x"] = "y"
	if _, ok := s.Paths["x"]; ok {
		t.Error("Load kept the caller's map")
	}
}

func TestDestroyRefusesNonCgroupDirectories(t *testing.T) {
	// A forged state must not turn Destroy into rmdir of arbitrary
	// directories.
	d := filepath.Join(t.TempDir(), "victim")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	m := Load(State{Paths: map[string]string{"memory": d}, Owned: []string{d}})
	err := m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "not on a cgroup file system") {
		t.Errorf("Destroy: %v", err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Errorf("the directory was removed: %v", err)
	}
	if got := m.State().Owned; !slices.Equal(got, []string{d}) {
		t.Errorf("owned after a failed Destroy: %v", got)
	}
	if err := m.Apply(os.Getpid()); err == nil {
		t.Error("Apply wrote into a directory that is not a cgroup")
	}
}

func TestNoCgroup(t *testing.T) {
	m := Load(State{})
	if _, err := m.Pids(); !errors.Is(err, ErrNoCgroup) {
		t.Errorf("Pids: %v", err)
	}
	if err := m.Signal(9); !errors.Is(err, ErrNoCgroup) {
		t.Errorf("Signal: %v", err)
	}
	if err := m.Apply(1); err != nil {
		t.Errorf("Apply: %v", err)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("Destroy: %v", err)
	}
}
