package imagetest

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// member is one file of a layout or an archive.
type member struct {
	name string
	data []byte
}

// WriteLayout writes the images as an OCI image layout in dir (created
// if missing): oci-layout, index.json listing each image's manifest with
// its platform and ref name, and blobs/sha256/.
func WriteLayout(dir string, imgs ...Image) ([]*Built, error) {
	built, ms, err := layoutMembers("", imgs)
	if err != nil {
		return nil, err
	}
	return built, writeDir(dir, ms)
}

// WriteLayoutIndex writes the images as one multi-platform image: an
// image index blob listing each image's manifest with its platform, named
// ref in index.json. It returns the index blob's digest.
func WriteLayoutIndex(dir, ref string, imgs ...Image) (string, []*Built, error) {
	built, ms, err := layoutMembers(ref, imgs)
	if err != nil {
		return "", nil, err
	}
	return nestedDigest(ms), built, writeDir(dir, ms)
}

// WriteOCIArchive writes the images' layout (as WriteLayout lays it out)
// as a tar file at path: what `podman save --format oci-archive` writes.
func WriteOCIArchive(path string, imgs ...Image) ([]*Built, error) {
	built, ms, err := layoutMembers("", imgs)
	if err != nil {
		return nil, err
	}
	return built, writeTar(path, ms)
}

// WriteDockerArchive writes the images as `docker save` does: each
// config as <hex>.json, each layer blob as <diffid hex>/layer.tar (stored
// as the layer's Compression says; docker writes them plain), and
// manifest.json listing Config, RepoTags ([Ref] when set) and Layers.
func WriteDockerArchive(path string, imgs ...Image) ([]*Built, error) {
	type entry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var (
		built    []*Built
		manifest []entry
		ms       []member
		seen     = map[string]bool{}
	)
	add := func(name string, data []byte) {
		if !seen[name] {
			seen[name] = true
			ms = append(ms, member{name, data})
		}
	}
	for _, img := range imgs {
		b, err := img.Build()
		if err != nil {
			return nil, err
		}
		built = append(built, b)
		e := entry{Config: hexOf(b.ConfigDigest) + ".json", RepoTags: []string{}}
		if img.Ref != "" {
			e.RepoTags = append(e.RepoTags, img.Ref)
		}
		add(e.Config, b.Config)
		for _, l := range b.Layers {
			name := hexOf(l.DiffID) + "/layer.tar"
			add(name, l.Blob)
			e.Layers = append(e.Layers, name)
		}
		manifest = append(manifest, e)
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		return nil, fmt.Errorf("encode manifest.json: %w", err)
	}
	ms = append(ms, member{"manifest.json", raw})
	return built, writeTar(path, ms)
}

// layoutMembers builds the images and lays out their blobs. With
// indexRef set the manifests go into an image index blob, itself the
// only entry of index.json.
func layoutMembers(indexRef string, imgs []Image) ([]*Built, []member, error) {
	var built []*Built
	blobs := map[string][]byte{}
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: MediaTypeIndex, Manifests: []v1.Descriptor{}}
	for _, img := range imgs {
		b, err := img.Build()
		if err != nil {
			return nil, nil, err
		}
		built = append(built, b)
		for d, data := range b.blobs() {
			blobs[d] = data
		}
		idx.Manifests = append(idx.Manifests, b.ManifestDescriptor())
	}
	if indexRef != "" {
		raw, err := json.Marshal(idx)
		if err != nil {
			return nil, nil, fmt.Errorf("encode image index: %w", err)
		}
		d := Digest(raw)
		blobs[d] = raw
		idx.Manifests = []v1.Descriptor{{MediaType: MediaTypeIndex, Digest: digest.Digest(d), Size: int64(len(raw)),
			Annotations: map[string]string{v1.AnnotationRefName: indexRef}}}
	}
	top, err := json.Marshal(idx)
	if err != nil {
		return nil, nil, fmt.Errorf("encode index.json: %w", err)
	}
	ms := []member{
		{v1.ImageLayoutFile, []byte(`{"imageLayoutVersion":"` + v1.ImageLayoutVersion + `"}`)},
		{v1.ImageIndexFile, top},
	}
	names := make([]string, 0, len(blobs))
	for d := range blobs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		ms = append(ms, member{"blobs/sha256/" + hexOf(d), blobs[d]})
	}
	return built, ms, nil
}

// nestedDigest is the digest of the image index that index.json names.
func nestedDigest(ms []member) string {
	var idx v1.Index
	for _, m := range ms {
		if m.name == v1.ImageIndexFile && json.Unmarshal(m.data, &idx) == nil && len(idx.Manifests) == 1 {
			return string(idx.Manifests[0].Digest)
		}
	}
	return ""
}

func hexOf(d string) string { return strings.TrimPrefix(d, "sha256:") }

func writeDir(dir string, ms []member) error {
	for _, m := range ms {
		p := filepath.Join(dir, filepath.FromSlash(m.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("mkdir %q: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, m.data, 0o644); err != nil {
			return fmt.Errorf("write %q: %w", p, err)
		}
	}
	return nil
}

// writeTar writes the members, with an entry for each directory before
// its first file, as image tools do.
func writeTar(path string, ms []member) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %q: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %q: %w", path, cerr)
		}
	}()
	tw := tar.NewWriter(f)
	dirs := map[string]bool{}
	for _, m := range ms {
		parts := strings.Split(m.name, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: unixEpoch}); err != nil {
					return fmt.Errorf("write %q: %w", path, err)
				}
			}
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, Size: int64(len(m.data)), ModTime: unixEpoch}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("write %q: %w", path, err)
		}
		if _, err := tw.Write(m.data); err != nil {
			return fmt.Errorf("write %q: %w", path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}
