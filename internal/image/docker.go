package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerEntry is one image of a docker-archive's manifest.json.
type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// openDocker resolves a docker-archive. Its manifest.json refers to files
// by name, not digest, so the digests to verify come from elsewhere: the
// configuration's name is its digest ("<hex>.json" or blobs/sha256/<hex>),
// and a layer is checked against its own blobs/sha256/<hex> name or,
// stored uncompressed as docker save does, against the configuration's
// rootfs.diff_ids, which are the digests of the uncompressed layers.
func openDocker(src Source, s store, platform *imagespec.Platform) (*Image, error) {
	var entries []dockerEntry
	if err := readRootJSON(s, "manifest.json", &entries); err != nil {
		return nil, err
	}
	e, err := pickRepoTag(entries, src.Ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.where("manifest.json"), err)
	}
	cd, ok := digestFromName(e.Config)
	if !ok {
		return nil, fmt.Errorf("%s: config %q is not named by its digest, so it cannot be verified", s.where("manifest.json"), e.Config)
	}
	cb := blobRef{store: s, name: e.Config, digest: cd}
	_, size, err := s.open(e.Config)
	if err != nil {
		return nil, cb.errorf("%v", err)
	}
	cb.size = size
	cdata, err := readBlob(cb)
	if err != nil {
		return nil, err
	}
	img := &Image{Source: src, Digest: cd.String(), ConfigDigest: cd.String()}
	if err := json.Unmarshal(cdata, &img.Config); err != nil {
		return nil, cb.errorf("%v", err)
	}
	if err := checkConfigPlatform(&img.Config, platform); err != nil {
		return nil, cb.errorf("%v", err)
	}
	diffIDs := img.Config.RootFS.DiffIDs
	if len(diffIDs) != len(e.Layers) {
		return nil, cb.errorf("%d diff_ids for %d layers", len(diffIDs), len(e.Layers))
	}
	for i, name := range e.Layers {
		l, err := openDockerLayer(s, name, diffIDs[i])
		if err != nil {
			return nil, err
		}
		img.Layers = append(img.Layers, l)
	}
	img.closer = s
	return img, nil
}

func pickRepoTag(entries []dockerEntry, ref string) (dockerEntry, error) {
	var tags []string
	for _, e := range entries {
		for _, t := range e.RepoTags {
			// "busybox" means "busybox:latest", as docker reads it.
			if ref != "" && (t == ref || t == ref+":latest") {
				return e, nil
			}
			tags = append(tags, t)
		}
	}
	switch {
	case len(entries) == 0:
		return dockerEntry{}, fmt.Errorf("no image in manifest.json")
	case ref == "" && len(entries) == 1:
		return entries[0], nil
	case ref == "":
		return dockerEntry{}, fmt.Errorf("%d images, name one of: %s", len(entries), listTags(tags))
	}
	return dockerEntry{}, fmt.Errorf("no image tagged %q; tags: %s", ref, listTags(tags))
}

func listTags(tags []string) string {
	if len(tags) == 0 {
		return "(none is tagged)"
	}
	slices.Sort(tags)
	return strings.Join(tags, ", ")
}

// digestFromName reads a sha256 digest out of a member name:
// blobs/sha256/<hex>, <hex>.json or <hex>/layer.tar.
func digestFromName(name string) (digest.Digest, bool) {
	name = cleanMember(name)
	if dir, hex := path.Split(name); strings.HasSuffix(dir, "sha256/") {
		d := digest.NewDigestFromEncoded(digest.SHA256, hex)
		return d, d.Validate() == nil
	}
	d := digest.NewDigestFromEncoded(digest.SHA256, strings.TrimSuffix(path.Base(name), ".json"))
	return d, d.Validate() == nil
}

func openDockerLayer(s store, name string, diffID digest.Digest) (Layer, error) {
	rc, size, err := s.open(name)
	if err != nil {
		return Layer{}, fmt.Errorf("layer %s: %w", s.where(name), err)
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(rc, magic)
	rc.Close()
	mt := dockerLayer
	switch {
	case bytes.HasPrefix(magic[:n], []byte{0x1f, 0x8b}):
		mt = dockerLayerGzip
	case bytes.HasPrefix(magic[:n], []byte{0x28, 0xb5, 0x2f, 0xfd}):
		mt = dockerLayerZstd
	}
	want := diffID
	if d, ok := digestFromName(name); ok && strings.Contains(cleanMember(name), "sha256/") {
		want = d
	} else if mt != dockerLayer {
		return Layer{}, fmt.Errorf("layer %s: compressed and not named by its digest, so it cannot be verified", s.where(name))
	}
	if err := want.Validate(); err != nil {
		return Layer{}, fmt.Errorf("layer %s: digest %q: %w", s.where(name), want, err)
	}
	b := blobRef{store: s, name: name, digest: want, size: size}
	return Layer{Digest: want.String(), Size: size, MediaType: mt, blob: b}, nil
}
