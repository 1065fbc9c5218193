package imagetest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is an image to write: its layers, bottom first, and its runtime
// configuration.
type Image struct {
	Layers []Layer
	Config v1.ImageConfig
	// Ref names the image: the org.opencontainers.image.ref.name
	// annotation of a layout or oci-archive ("latest"), the RepoTags
	// entry of a docker-archive ("localhost/name:tag"). Empty leaves the
	// image unnamed.
	Ref string
	// OS and Architecture default to this machine's.
	OS, Architecture, Variant string
}

// BuiltLayer is a layer as an image stores it.
type BuiltLayer struct {
	Blob      []byte
	Digest    string // of Blob
	DiffID    string // of the uncompressed tar
	MediaType string
}

// Built is an image's blobs, ready to write in any format.
type Built struct {
	Image          Image
	Config         []byte
	ConfigDigest   string
	Manifest       []byte
	ManifestDigest string
	Layers         []BuiltLayer
}

// Platform is the image's platform, this machine's where unset.
func (img Image) Platform() v1.Platform {
	p := v1.Platform{OS: img.OS, Architecture: img.Architecture, Variant: img.Variant}
	if p.OS == "" {
		p.OS = runtime.GOOS
	}
	if p.Architecture == "" {
		p.Architecture = runtime.GOARCH
	}
	return p
}

// Build compresses the layers and encodes the config and manifest.
func (img Image) Build() (*Built, error) {
	b := &Built{Image: img}
	plat := img.Platform()
	created := DefaultMtime
	cfg := v1.Image{
		Created:  &created,
		Platform: plat,
		Config:   img.Config,
		RootFS:   v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{}},
	}
	man := v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: MediaTypeManifest,
		Layers:    []v1.Descriptor{},
	}
	for i, l := range img.Layers {
		raw, err := l.Tar()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		blob, err := Compress(raw, l.Compression)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		bl := BuiltLayer{Blob: blob, Digest: Digest(blob), DiffID: Digest(raw), MediaType: l.Compression.MediaType()}
		b.Layers = append(b.Layers, bl)
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.Digest(bl.DiffID))
		cfg.History = append(cfg.History, v1.History{Created: &created, CreatedBy: fmt.Sprintf("imagetest layer %d", i)})
		man.Layers = append(man.Layers, v1.Descriptor{MediaType: bl.MediaType, Digest: digest.Digest(bl.Digest), Size: int64(len(blob))})
	}
	var err error
	if b.Config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("encode image config: %w", err)
	}
	b.ConfigDigest = Digest(b.Config)
	man.Config = v1.Descriptor{MediaType: MediaTypeConfig, Digest: digest.Digest(b.ConfigDigest), Size: int64(len(b.Config))}
	if b.Manifest, err = json.Marshal(man); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	b.ManifestDigest = Digest(b.Manifest)
	return b, nil
}

// ManifestDescriptor describes the manifest for an index: media type,
// digest, size, platform and, when the image has a Ref, its name.
func (b *Built) ManifestDescriptor() v1.Descriptor {
	p := b.Image.Platform()
	d := v1.Descriptor{MediaType: MediaTypeManifest, Digest: digest.Digest(b.ManifestDigest),
		Size: int64(len(b.Manifest)), Platform: &p}
	if b.Image.Ref != "" {
		d.Annotations = map[string]string{v1.AnnotationRefName: b.Image.Ref}
	}
	return d
}

// blobs lists every blob of the image: config, manifest and layers.
func (b *Built) blobs() map[string][]byte {
	m := map[string][]byte{b.ConfigDigest: b.Config, b.ManifestDigest: b.Manifest}
	for _, l := range b.Layers {
		m[l.Digest] = l.Blob
	}
	return m
}

// unixEpoch keeps archive member times fixed.
var unixEpoch = time.Unix(0, 0)
