package suite

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDiscoverAndFilter(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{
		"state": 0o755, "create": 0o755, HelperProgram: 0o755, "README": 0o644,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"create", "state"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Discover = %v, want %v", got, want)
	}
	if f, err := Filter(got, "^st"); err != nil || !reflect.DeepEqual(f, []string{"state"}) {
		t.Errorf("Filter(^st) = %v, %v", f, err)
	}
	if f, err := Filter(got, ""); err != nil || len(f) != 2 {
		t.Errorf("Filter(\"\") = %v, %v", f, err)
	}
	if _, err := Filter(got, "nothing"); err == nil {
		t.Errorf("Filter matching nothing: no error")
	}
	if _, err := Filter(got, "("); err == nil {
		t.Errorf("Filter with a bad pattern: no error")
	}
	if _, err := Discover(t.TempDir()); err == nil {
		t.Errorf("Discover of an empty folder: no error")
	}
}
