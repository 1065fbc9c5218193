package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteDefault(t *testing.T) {
	dir := t.TempDir()
	p := ConfigPath(dir, "")
	if p != filepath.Join(dir, "config.json") {
		t.Fatalf("ConfigPath = %s", p)
	}
	if err := WriteDefault(p, DefaultOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err != nil {
		t.Fatal(err)
	}
	err := WriteDefault(p, DefaultOptions{Rootless: true, UID: 5}, nil)
	if want := `config "` + p + `" exists (use --force)`; err == nil || err.Error() != want {
		t.Errorf("overwrite without force: %v, want %s", err, want)
	}
	if err := WriteDefault(p, DefaultOptions{Rootless: true, UID: 5, GID: 6, Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil || s.Linux.UIDMappings[0].HostID != 5 || s.Linux.GIDMappings[0].HostID != 6 {
		t.Errorf("rootless config: %v %+v", err, s)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	var buf bytes.Buffer
	if err := WriteDefault("-", DefaultOptions{}, &buf); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(buf.Bytes()); err != nil {
		t.Errorf("stdout config: %v", err)
	}
	if err := WriteDefault(filepath.Join(dir, "missing", "config.json"), DefaultOptions{}, nil); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}
