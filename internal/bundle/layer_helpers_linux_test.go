package bundle

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func zst(t *testing.T, data []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(data, nil)
}

func whiteout(name string) ent { return file(name, "", 0o644) }

// layerEnv is a root to apply layers to, beside an "outside" directory
// with a secret file and a canary file that hostile layers aim at.
type layerEnv struct {
	base, root, outside string
	before              []string // listing of base, root excluded
}

func newLayerEnv(t *testing.T) *layerEnv {
	t.Helper()
	base := tempDir(t)
	e := &layerEnv{base: base, root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{e.root, e.outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(e.outside, "secret"), []byte("secret"), 0o644)
	os.WriteFile(filepath.Join(base, "canary"), []byte("canary"), 0o644)
	e.before = e.listBeside(t)
	return e
}

// listBeside lists base recursively without root's contents: what a layer
// must never change.
func (e *layerEnv) listBeside(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range listTree(t, e.base) {
		if strings.HasPrefix(p, "root/") {
			continue
		}
		fi, err := os.Lstat(filepath.Join(e.base, p))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p+" "+fi.Mode().String())
	}
	return out
}

// apply applies the layers in order, stopping at the first error.
func (e *layerEnv) apply(t *testing.T, opts UnpackOptions, layers ...[]byte) error {
	t.Helper()
	for i, l := range layers {
		if err := ApplyLayer(context.Background(), e.root, bytes.NewReader(l), opts); err != nil {
			t.Logf("layer %d: %v", i+1, err)
			return err
		}
	}
	return nil
}

// checkUntouched fails the test if anything beside the root changed.
func (e *layerEnv) checkUntouched(t *testing.T) {
	t.Helper()
	if after := e.listBeside(t); !slices.Equal(after, e.before) {
		t.Errorf("beside the root: before %v, after %v", e.before, after)
	}
	if s := readFile(t, filepath.Join(e.outside, "secret")); s != "secret" {
		t.Errorf("outside/secret = %q", s)
	}
	if s := readFile(t, filepath.Join(e.base, "canary")); s != "canary" {
		t.Errorf("canary = %q", s)
	}
}

// tree lists the root as "path type" lines ("/" directory, "@" symlink
// with its target, "=" regular file with its content), sorted.
func (e *layerEnv) tree(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range listTree(t, e.root) {
		full := filepath.Join(e.root, p)
		fi, err := os.Lstat(full)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case fi.IsDir():
			out = append(out, p+"/")
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(full)
			out = append(out, p+"@"+l)
		case fi.Mode().IsRegular():
			out = append(out, p+"="+readFile(t, full))
		default:
			out = append(out, p+" "+fi.Mode().Type().String())
		}
	}
	slices.Sort(out)
	return out
}

func (e *layerEnv) wantTree(t *testing.T, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := e.tree(t); !slices.Equal(got, want) {
		t.Errorf("tree:\n got  %q\n want %q", got, want)
	}
}
