package cgroups

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPidsLimited(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string // directory below the top -> pids.max
		key   string
		want  bool
	}{
		{"own limit", map[string]string{"a": "max", "a/c": "10"}, "pids", true},
		{"an ancestor's limit", map[string]string{"a": "64", "a/c": "max"}, "pids", true},
		{"none up to the root", map[string]string{"a": "max", "a/c": "max"}, "pids", false},
		{"no pids.max: no controller", map[string]string{}, "pids", false},
		{"v2", map[string]string{"a": "max", "a/c": "5"}, "unified", true},
		{"no pids hierarchy", map[string]string{"a/c": "5"}, "memory", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := t.TempDir()
			leaf := filepath.Join(top, "a", "c")
			if err := os.MkdirAll(leaf, 0o755); err != nil {
				t.Fatal(err)
			}
			for d, v := range c.files {
				if err := os.WriteFile(filepath.Join(top, d, "pids.max"), []byte(v+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := &Manager{Paths: map[string]string{c.key: leaf}}
			if got := m.PidsLimited(); got != c.want {
				t.Errorf("PidsLimited = %v, want %v", got, c.want)
			}
		})
	}
}
