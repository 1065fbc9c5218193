package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocikit/ocikit/internal/image/imagetest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func readBlob(t *testing.T, dir string, d v1.Descriptor) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", d.Digest.Encoded()))
	if err != nil {
		t.Fatal(err)
	}
	if imagetest.Digest(raw) != string(d.Digest) || int64(len(raw)) != d.Size {
		t.Fatalf("blob %s: size %d, want %d, or digest differs", d.Digest, len(raw), d.Size)
	}
	return raw
}

// layerEntries reads a gzip layer blob back as imagetest entries, so
// that imagetest's changeset model can tell what it unpacks to.
func layerEntries(t *testing.T, blob []byte, diffID string) []imagetest.Entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if imagetest.Digest(raw) != diffID {
		t.Errorf("diff ID %s is not the digest of the layer's tar", diffID)
	}
	var out []imagetest.Entry
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, imagetest.Entry{Name: h.Name, Type: h.Typeflag, Mode: h.Mode, Linkname: h.Linkname, Content: body})
	}
}

func TestGenerateLayout(t *testing.T) {
	dir := t.TempDir()
	spec := GenSpec{SmallFiles: 1000, LargeFiles: 4, LargeSize: 100 << 10, Seed: 7}
	st, err := GenerateLayout(dir, "bench", spec)
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.Index
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || json.Unmarshal(raw, &idx) != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, raw)
	}
	if idx.Manifests[0].Annotations[v1.AnnotationRefName] != "bench" {
		t.Errorf("ref %v", idx.Manifests[0].Annotations)
	}
	var man v1.Manifest
	if err := json.Unmarshal(readBlob(t, dir, idx.Manifests[0]), &man); err != nil {
		t.Fatal(err)
	}
	var cfg v1.Image
	if err := json.Unmarshal(readBlob(t, dir, man.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(man.Layers) != 3 || st.Layers != 3 || len(cfg.RootFS.DiffIDs) != 3 {
		t.Fatalf("%d layers, %d diff IDs, stats %+v", len(man.Layers), len(cfg.RootFS.DiffIDs), st)
	}
	var layers []imagetest.Layer
	var blobBytes int64
	entries := 0
	for i, d := range man.Layers {
		if d.MediaType != v1.MediaTypeImageLayerGzip {
			t.Errorf("layer %d: media type %s", i, d.MediaType)
		}
		blobBytes += d.Size
		es := layerEntries(t, readBlob(t, dir, d), string(cfg.RootFS.DiffIDs[i]))
		entries += len(es)
		layers = append(layers, imagetest.Layer{Entries: es})
	}
	want := imagetest.ExpectOf(layers...)
	files, size, whiteouts := 0, int64(0), 0
	for _, l := range layers {
		for _, e := range l.Entries {
			if b := filepath.Base(e.Name); len(b) > 4 && b[:4] == ".wh." {
				whiteouts++
			}
		}
	}
	for _, w := range want {
		if w.Type == tar.TypeReg {
			files++
			if w.LinkOf == "" {
				size += int64(len(w.Content))
			}
		}
	}
	if st.Files != files || st.UnpackedBytes != size || st.Entries != entries || st.BlobBytes != blobBytes || st.Whiteouts != whiteouts {
		t.Errorf("stats %+v; the layers hold %d files of %d bytes, %d entries, %d whiteouts, %d blob bytes",
			st, files, size, entries, whiteouts, blobBytes)
	}
	// The upper layers delete: 1 in 20 of the bottom files, a directory
	// made opaque and one deleted whole; the top one links.
	if whiteouts != 600/20+2 || want["data/d002"].Type != 0 || want["links/h00600"].LinkOf != "data/d006/f00600" {
		t.Errorf("%d whiteouts; data/d002 %+v; links/h00600 %+v", whiteouts, want["data/d002"], want["links/h00600"])
	}
	if st.UnpackedBytes < int64(spec.LargeFiles)*spec.LargeSize {
		t.Errorf("unpacked %d bytes", st.UnpackedBytes)
	}
}

// TestGenerateSameImage checks the generator is deterministic: the same
// spec gives the same manifest digest.
func TestGenerateSameImage(t *testing.T) {
	spec := GenSpec{SmallFiles: 300, LargeFiles: 1, LargeSize: 10 << 10, Seed: 3}
	var digests []string
	for range 2 {
		dir := t.TempDir()
		if _, err := GenerateLayout(dir, "x", spec); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, "index.json"))
		digests = append(digests, string(raw))
	}
	if digests[0] != digests[1] {
		t.Errorf("two runs differ:\n%s\n%s", digests[0], digests[1])
	}
}
