package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// files is an image source under construction: member name to content.
type files map[string][]byte

// blob stores data as a layout blob and returns its descriptor.
func (f files) blob(mt string, data []byte) imagespec.Descriptor {
	d := digest.FromBytes(data)
	f[blobPath(d)] = data
	return imagespec.Descriptor{MediaType: mt, Digest: d, Size: int64(len(data))}
}

func (f files) json(mt string, v any) imagespec.Descriptor {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return f.blob(mt, data)
}

// image stores a manifest with a config and one plain layer per content
// string, and returns the manifest's descriptor.
func (f files) image(cfg imagespec.Image, layers ...[]byte) imagespec.Descriptor {
	if cfg.OS == "" {
		cfg.Platform = HostPlatform()
	}
	m := imagespec.Manifest{MediaType: imagespec.MediaTypeImageManifest}
	m.SchemaVersion = 2
	for _, l := range layers {
		m.Layers = append(m.Layers, f.blob(imagespec.MediaTypeImageLayer, l))
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(l))
	}
	cfg.RootFS.Type = "layers"
	m.Config = f.json(imagespec.MediaTypeImageConfig, cfg)
	return f.json(imagespec.MediaTypeImageManifest, m)
}

// index writes oci-layout and index.json listing top.
func (f files) index(top ...imagespec.Descriptor) {
	f["oci-layout"] = []byte(`{"imageLayoutVersion":"1.0.0"}`)
	idx := imagespec.Index{MediaType: imagespec.MediaTypeImageIndex, Manifests: top}
	idx.SchemaVersion = 2
	data, _ := json.Marshal(idx)
	f["index.json"] = data
}

func named(d imagespec.Descriptor, ref string) imagespec.Descriptor {
	d.Annotations = map[string]string{imagespec.AnnotationRefName: ref}
	return d
}

func (f files) writeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range f {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (f files) tar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range f {
		if err := tw.WriteHeader(&tar.Header{Name: "./" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (f files) writeTar(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, f.tar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// layerTar is a layer holding one file.
func layerTar(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content))})
	tw.Write([]byte(content))
	tw.Close()
	return buf.Bytes()
}

func readLayer(t *testing.T, l Layer) []byte {
	t.Helper()
	rc, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
