package imagetest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func testImage() Image {
	return Image{
		Layers: []Layer{
			NewLayer(Gzip, Dir("etc"), File("etc/hostname", "box\n")),
			NewLayer(Zstd, Whiteout("etc/hostname")),
			NewLayer(Plain, File("hello", "world")),
		},
		Config: v1.ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"A=b"}, WorkingDir: "/"},
		Ref:    "latest",
	}
}

func readJSON(t *testing.T, path string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return raw
}

// checkBlob reads a blob of a layout and checks its digest.
func checkBlob(t *testing.T, dir string, d v1.Descriptor) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded()))
	if err != nil {
		t.Fatal(err)
	}
	if Digest(raw) != string(d.Digest) || int64(len(raw)) != d.Size {
		t.Errorf("blob %s: digest %s size %d, want size %d", d.Digest, Digest(raw), len(raw), d.Size)
	}
	return raw
}

func TestWriteLayout(t *testing.T) {
	dir := t.TempDir()
	built, err := WriteLayout(dir, testImage())
	if err != nil {
		t.Fatal(err)
	}
	var layout v1.ImageLayout
	readJSON(t, filepath.Join(dir, "oci-layout"), &layout)
	if layout.Version != "1.0.0" {
		t.Errorf("oci-layout %+v", layout)
	}
	var idx v1.Index
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Manifests) != 1 || idx.Manifests[0].Annotations[v1.AnnotationRefName] != "latest" ||
		string(idx.Manifests[0].Digest) != built[0].ManifestDigest || idx.Manifests[0].Platform == nil {
		t.Fatalf("index.json %+v", idx)
	}
	var man v1.Manifest
	if err := json.Unmarshal(checkBlob(t, dir, idx.Manifests[0]), &man); err != nil {
		t.Fatal(err)
	}
	var cfg v1.Image
	if err := json.Unmarshal(checkBlob(t, dir, man.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Config.Cmd[0] != "/bin/sh" || len(cfg.RootFS.DiffIDs) != 3 || cfg.OS == "" {
		t.Errorf("config %+v", cfg)
	}
	wantTypes := []string{MediaTypeLayerGzip, MediaTypeLayerZstd, MediaTypeLayer}
	for i, l := range man.Layers {
		checkBlob(t, dir, l)
		if l.MediaType != wantTypes[i] || string(cfg.RootFS.DiffIDs[i]) != built[0].Layers[i].DiffID {
			t.Errorf("layer %d: %+v", i, l)
		}
	}
	// The plain layer's diff ID is its digest.
	if built[0].Layers[2].DiffID != built[0].Layers[2].Digest {
		t.Error("plain layer: diff ID is not the blob digest")
	}
}

func TestWriteLayoutIndex(t *testing.T) {
	dir := t.TempDir()
	amd, arm := testImage(), testImage()
	amd.OS, amd.Architecture = "linux", "amd64"
	arm.OS, arm.Architecture, arm.Variant = "linux", "arm64", "v8"
	d, _, err := WriteLayoutIndex(dir, "multi", amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	var top v1.Index
	readJSON(t, filepath.Join(dir, "index.json"), &top)
	if len(top.Manifests) != 1 || string(top.Manifests[0].Digest) != d || top.Manifests[0].MediaType != MediaTypeIndex {
		t.Fatalf("index.json %+v", top)
	}
	var nested v1.Index
	if err := json.Unmarshal(checkBlob(t, dir, top.Manifests[0]), &nested); err != nil {
		t.Fatal(err)
	}
	if len(nested.Manifests) != 2 || nested.Manifests[1].Platform.Architecture != "arm64" || nested.Manifests[1].Platform.Variant != "v8" {
		t.Errorf("nested index %+v", nested)
	}
}

func tarFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			out[h.Name], _ = io.ReadAll(tr)
		}
	}
}

func TestWriteOCIArchive(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteLayout(filepath.Join(dir, "layout"), testImage()); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteOCIArchive(filepath.Join(dir, "img.tar"), testImage()); err != nil {
		t.Fatal(err)
	}
	files := tarFiles(t, filepath.Join(dir, "img.tar"))
	n := 0
	filepath.Walk(filepath.Join(dir, "layout"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "layout"), p)
		want, _ := os.ReadFile(p)
		if !bytes.Equal(files[rel], want) {
			t.Errorf("archive member %q differs from the layout's", rel)
		}
		n++
		return nil
	})
	if n != len(files) || n != 2+2+3 {
		t.Errorf("archive has %d files, layout %d, want 7", len(files), n)
	}
}

func TestWriteDockerArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docker.tar")
	img := testImage()
	img.Ref = "localhost/test:1"
	built, err := WriteDockerArchive(path, img)
	if err != nil {
		t.Fatal(err)
	}
	files := tarFiles(t, path)
	var man []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil {
		t.Fatal(err)
	}
	if len(man) != 1 || man[0].RepoTags[0] != "localhost/test:1" || len(man[0].Layers) != 3 {
		t.Fatalf("manifest.json %+v", man)
	}
	if Digest(files[man[0].Config]) != built[0].ConfigDigest {
		t.Error("config member is not the image config")
	}
	for i, l := range man[0].Layers {
		if Digest(files[l]) != built[0].Layers[i].Digest {
			t.Errorf("layer %d member %q is not the layer blob", i, l)
		}
	}
}
