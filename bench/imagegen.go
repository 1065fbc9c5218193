package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// GenSpec sizes the generated unpack image. Small files are spread over
// the three layers 60/30/10, in directories of filesPerDir; large files
// 60/30/10 as well. The upper layers delete part of the lower ones with
// whiteouts and an opaque directory, and the top one adds symlinks and
// hard links, so an unpacker does the work of a real image.
type GenSpec struct {
	SmallFiles int   // 1-4 KiB each
	LargeFiles int   // LargeSize each
	LargeSize  int64 //
	Seed       uint64
}

// DefaultGenSpec unpacks to about 130 MB in some 40k files.
var DefaultGenSpec = GenSpec{SmallFiles: 40000, LargeFiles: 30, LargeSize: 1 << 20, Seed: 1}

// GenStats describes a generated image.
type GenStats struct {
	Layers        int   `json:"layers"`
	Entries       int   `json:"entries"`        // tar entries over all layers
	Whiteouts     int   `json:"whiteouts"`      // opaque markers included
	Files         int   `json:"files"`          // regular files (hard links included) left after the whiteouts
	UnpackedBytes int64 `json:"unpacked_bytes"` // their content, each inode once
	BlobBytes     int64 `json:"blob_bytes"`     // the gzip layers
}

const filesPerDir = 100

// genMtime fixes every entry's time, so the same spec gives the same
// image.
var genMtime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// GenerateLayout writes an OCI image layout in dir (created) holding one
// image named ref of three gzip layers made as spec says.
func GenerateLayout(dir, ref string, spec GenSpec) (GenStats, error) {
	g := &generator{spec: spec, rng: rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15)),
		sizes: map[string]int64{}, dir: dir}
	g.pool = make([]byte, 4<<20)
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n"
	for i := range g.pool {
		g.pool[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return GenStats{}, fmt.Errorf("mkdir %q: %w", dir, err)
	}
	var descs []v1.Descriptor
	var diffIDs []digest.Digest
	for i := 0; i < 3; i++ {
		d, diffID, err := g.layer(i)
		if err != nil {
			return GenStats{}, fmt.Errorf("generate layer %d: %w", i, err)
		}
		descs = append(descs, d)
		diffIDs = append(diffIDs, diffID)
		g.stats.BlobBytes += d.Size
	}
	g.stats.Layers = len(descs)
	for _, sz := range g.sizes {
		if sz >= 0 {
			g.stats.Files++
			g.stats.UnpackedBytes += sz
		}
	}
	created := genMtime
	cfg := v1.Image{Created: &created, Platform: v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH},
		Config: v1.ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}},
		RootFS: v1.RootFS{Type: "layers", DiffIDs: diffIDs}}
	cfgDesc, err := g.writeJSON(v1.MediaTypeImageConfig, cfg)
	if err != nil {
		return GenStats{}, err
	}
	man := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: cfgDesc, Layers: descs}
	manDesc, err := g.writeJSON(v1.MediaTypeImageManifest, man)
	if err != nil {
		return GenStats{}, err
	}
	manDesc.Annotations = map[string]string{v1.AnnotationRefName: ref}
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex,
		Manifests: []v1.Descriptor{manDesc}}
	raw, err := json.Marshal(idx)
	if err != nil {
		return GenStats{}, fmt.Errorf("encode index.json: %w", err)
	}
	for name, data := range map[string][]byte{
		v1.ImageIndexFile:  raw,
		v1.ImageLayoutFile: []byte(`{"imageLayoutVersion":"` + v1.ImageLayoutVersion + `"}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return GenStats{}, fmt.Errorf("write %q: %w", filepath.Join(dir, name), err)
		}
	}
	return g.stats, nil
}

type generator struct {
	spec  GenSpec
	rng   *rand.Rand
	pool  []byte
	dir   string
	sizes map[string]int64 // regular file -> size; -1 once whited out
	stats GenStats
	tw    *tar.Writer
	dirs  map[string]bool // directories this layer has written
}

// share is layer i's part of n: 60, 30 and 10 percent.
func share(n, i int) (from, to int) {
	cuts := []int{0, n * 6 / 10, n * 9 / 10, n}
	return cuts[i], cuts[i+1]
}

func smallName(k int) string { return fmt.Sprintf("data/d%03d/f%05d", k/filesPerDir, k) }

func (g *generator) layer(i int) (v1.Descriptor, digest.Digest, error) {
	tmp, err := os.CreateTemp(filepath.Join(g.dir, "blobs", "sha256"), ".layer-*")
	if err != nil {
		return v1.Descriptor{}, "", fmt.Errorf("create layer blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	blobHash, diffHash := sha256.New(), sha256.New()
	counted := &countWriter{w: io.MultiWriter(tmp, blobHash)}
	zw := gzip.NewWriter(counted)
	g.tw = tar.NewWriter(io.MultiWriter(zw, diffHash))
	g.dirs = map[string]bool{}
	if err := g.entries(i); err != nil {
		return v1.Descriptor{}, "", err
	}
	if err := g.tw.Close(); err != nil {
		return v1.Descriptor{}, "", fmt.Errorf("close tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return v1.Descriptor{}, "", fmt.Errorf("close gzip: %w", err)
	}
	sum := hex.EncodeToString(blobHash.Sum(nil))
	if err := os.Rename(tmp.Name(), filepath.Join(g.dir, "blobs", "sha256", sum)); err != nil {
		return v1.Descriptor{}, "", fmt.Errorf("store layer blob: %w", err)
	}
	d := v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: digest.Digest("sha256:" + sum), Size: counted.n}
	return d, digestOf(diffHash), nil
}

// entries writes layer i: its share of new files, then its deletions
// and links.
func (g *generator) entries(i int) error {
	from, to := share(g.spec.SmallFiles, i)
	for k := from; k < to; k++ {
		if err := g.file(smallName(k), int64(1024+g.rng.IntN(3*1024+1))); err != nil {
			return err
		}
	}
	from, to = share(g.spec.LargeFiles, i)
	for k := from; k < to; k++ {
		if err := g.file(fmt.Sprintf("large/l%03d", k), g.spec.LargeSize); err != nil {
			return err
		}
	}
	lowFrom, lowTo := share(g.spec.SmallFiles, 0)
	switch i {
	case 1:
		// Every 20th file of the bottom layer deleted, and its second
		// directory made opaque.
		for k := lowFrom; k < lowTo; k += 20 {
			if err := g.whiteout(smallName(k)); err != nil {
				return err
			}
		}
		if lowTo > filesPerDir {
			return g.opaque(path.Dir(smallName(filesPerDir)))
		}
	case 2:
		// The bottom layer's third directory deleted whole, and links to
		// the files the middle layer made.
		if lowTo > 2*filesPerDir {
			if err := g.whiteout(path.Dir(smallName(2 * filesPerDir))); err != nil {
				return err
			}
		}
		midFrom, midTo := share(g.spec.SmallFiles, 1)
		for k := midFrom; k < midTo; k += 50 {
			if err := g.link(tar.TypeSymlink, fmt.Sprintf("links/s%05d", k), "../"+smallName(k)); err != nil {
				return err
			}
			if err := g.link(tar.TypeLink, fmt.Sprintf("links/h%05d", k), smallName(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// parents writes the directory entries of name's parents not yet
// written in this layer, as image builders do.
func (g *generator) parents(name string) error {
	d := path.Dir(name)
	if d == "." || g.dirs[d] {
		return nil
	}
	if err := g.parents(d); err != nil {
		return err
	}
	g.dirs[d] = true
	return g.header(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755})
}

func (g *generator) header(h *tar.Header) error {
	h.ModTime, h.Format = genMtime, tar.FormatPAX
	g.stats.Entries++
	if err := g.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("tar %q: %w", h.Name, err)
	}
	return nil
}

func (g *generator) file(name string, size int64) error {
	if err := g.parents(name); err != nil {
		return err
	}
	if err := g.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size}); err != nil {
		return err
	}
	g.sizes[name] = size
	for left := size; left > 0; {
		off := g.rng.IntN(len(g.pool) / 2)
		n := min(left, int64(len(g.pool)-off))
		if _, err := g.tw.Write(g.pool[off : off+int(n)]); err != nil {
			return fmt.Errorf("tar %q: %w", name, err)
		}
		left -= n
	}
	return nil
}

func (g *generator) link(typ byte, name, target string) error {
	if err := g.parents(name); err != nil {
		return err
	}
	if typ == tar.TypeLink {
		// A hard link is one more name, not more bytes.
		g.sizes[name] = 0
	}
	return g.header(&tar.Header{Typeflag: typ, Name: name, Linkname: target, Mode: 0o777})
}

// whiteout deletes name, a file or a directory of the lower layers.
func (g *generator) whiteout(name string) error {
	for p := range g.sizes {
		if p == name || strings.HasPrefix(p, name+"/") {
			g.sizes[p] = -1
		}
	}
	g.stats.Whiteouts++
	if err := g.parents(name); err != nil {
		return err
	}
	return g.header(&tar.Header{Typeflag: tar.TypeReg, Name: path.Join(path.Dir(name), ".wh."+path.Base(name)), Mode: 0o644})
}

// opaque hides what the lower layers made in dir.
func (g *generator) opaque(dir string) error {
	for p := range g.sizes {
		if strings.HasPrefix(p, dir+"/") {
			g.sizes[p] = -1
		}
	}
	g.stats.Whiteouts++
	name := dir + "/.wh..wh..opq"
	if err := g.parents(name); err != nil {
		return err
	}
	return g.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644})
}

func (g *generator) writeJSON(mediaType string, v any) (v1.Descriptor, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("encode %s: %w", mediaType, err)
	}
	sum := sha256.Sum256(raw)
	p := filepath.Join(g.dir, "blobs", "sha256", hex.EncodeToString(sum[:]))
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		return v1.Descriptor{}, fmt.Errorf("write %q: %w", p, err)
	}
	return v1.Descriptor{MediaType: mediaType, Digest: digest.Digest("sha256:" + hex.EncodeToString(sum[:])), Size: int64(len(raw))}, nil
}

func digestOf(h hash.Hash) digest.Digest {
	return digest.Digest("sha256:" + hex.EncodeToString(h.Sum(nil)))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
