package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cli"
)

func run(t *testing.T, stdin []byte, args ...string) (int, string) {
	t.Helper()
	var cmd command
	var out, errb bytes.Buffer
	code := cli.Main("oci-bundle", "test", &cmd, args, bytes.NewReader(stdin), &out, &errb)
	return code, errb.String()
}

func TestCreate(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "bin/sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: 2})
	tw.Write([]byte("#!"))
	tw.Close()
	dir := filepath.Join(t.TempDir(), "b")
	if code, errs := run(t, buf.Bytes(), "create", "--rootless", "--from-tar", "-", dir); code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "rootfs", "bin", "sh")); err != nil {
		t.Error(err)
	}
	if code, errs := run(t, buf.Bytes(), "create", "--from-tar", "-", dir); code != 1 || !strings.Contains(errs, "not empty") {
		t.Errorf("second create: %d %s", code, errs)
	}
	archive := filepath.Join(t.TempDir(), "rootfs.tar")
	os.WriteFile(archive, buf.Bytes(), 0o644)
	if code, errs := run(t, nil, "create", "--rootless", "--force", "--from-tar", archive, dir); code != 0 {
		t.Errorf("create --force from a file: %d %s", code, errs)
	}
	if code, _ := run(t, nil, "create", dir); code != 2 {
		t.Errorf("missing --from-tar: exit %d, want 2", code)
	}
	if code, errs := run(t, nil, "create", "--from-tar", "/nonexistent.tar", dir+"2"); code != 1 || !strings.Contains(errs, `archive "/nonexistent.tar"`) {
		t.Errorf("missing archive: %d %s", code, errs)
	}
}
