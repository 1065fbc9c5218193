package integration

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"

	it "github.com/ocikit/ocikit/internal/image/imagetest"
)

// busyboxLayer is a layer holding the busybox rootfs makeRootfs lays out.
func busyboxLayer(t *testing.T) it.Layer {
	t.Helper()
	dir := t.TempDir()
	if err := makeRootfs(dir); err != nil {
		t.Fatal(err)
	}
	var entries []it.Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			entries = append(entries, it.Dir(rel))
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			entries = append(entries, it.Symlink(rel, target))
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fi, _ := d.Info()
			entries = append(entries, it.File(rel, string(data)).WithMode(int64(fi.Mode().Perm())))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return it.NewLayer(it.Gzip, entries...)
}

// TestBundleFromImages makes bundles with oci-bundle from a layout, an
// oci-archive and a docker-archive of a two-layer busybox image, and runs
// each with oci-run: the image's Cmd, Env, WorkingDir and User reach the
// process, and the upper layer's whiteout and file are applied.
func TestBundleFromImages(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	r := newRT(t)
	base := busyboxLayer(t)
	upper := it.NewLayer(it.Zstd, it.Dir("srv"), it.File("srv/msg", "from the image\n"), it.Whiteout("var"),
		it.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/srv:/bin/sh\n"))
	img := it.Image{Ref: "latest", Layers: []it.Layer{base, upper}, Config: imagespec.ImageConfig{
		Entrypoint: []string{"sh", "-c"},
		Cmd:        []string{`cat msg; echo "$GREETING $(id -u):$(id -g) $(pwd)"; test -e /var || echo no-var`},
		Env:        []string{"PATH=/bin", "GREETING=hello"},
		WorkingDir: "/srv",
		User:       "app",
	}}
	docker := img
	docker.Ref = "localhost/bb:latest"
	docker.Layers = []it.Layer{it.NewLayer(it.Plain, base.Entries...), it.NewLayer(it.Plain, upper.Entries...)}
	tmp := r.dir("images")
	if _, err := it.WriteLayout(filepath.Join(tmp, "layout"), img); err != nil {
		t.Fatal(err)
	}
	if _, err := it.WriteOCIArchive(filepath.Join(tmp, "oci.tar"), img); err != nil {
		t.Fatal(err)
	}
	if _, err := it.WriteDockerArchive(filepath.Join(tmp, "docker.tar"), docker); err != nil {
		t.Fatal(err)
	}
	for i, src := range [][]string{
		{"--from-layout", filepath.Join(tmp, "layout") + ":latest"},
		{"--from-archive", filepath.Join(tmp, "oci.tar")},
		{"--from-archive", filepath.Join(tmp, "docker.tar") + ":localhost/bb"},
	} {
		dir := filepath.Join(tmp, "bundle"+string(rune('0'+i)))
		res := r.exec(runOpts{}, "oci-bundle", append(append([]string{"create"}, src...), dir)...)
		if res.code != 0 {
			t.Fatalf("%v: %s", src, res)
		}
		var sum struct {
			Path   string
			Layers []json.RawMessage
		}
		if err := json.Unmarshal([]byte(res.stdout), &sum); err != nil || sum.Path != dir || len(sum.Layers) != 2 {
			t.Errorf("%v: summary %q: %v", src, res.stdout, err)
		}
		id := r.id("image")
		run := r.exec(runOpts{}, "oci-run", "--root", r.root, "--bundle", sum.Path, id)
		assertClean(t, r.root, id)
		want := "from the image\nhello 1000:1000 /srv\nno-var\n"
		if run.code != 0 || run.stdout != want {
			t.Errorf("%v: run: %s, want stdout %q", src, run, want)
		}
		if ins := r.exec(runOpts{}, "oci-bundle", "inspect", dir); ins.code != 0 || strings.TrimSpace(ins.stdout) != strings.TrimSpace(res.stdout) {
			t.Errorf("%v: inspect: %s", src, ins)
		}
	}
}
