package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// maxIndexDepth bounds nested indexes, so a cycle of indexes naming each
// other ends in an error.
const maxIndexDepth = 8

// annotationContainerdName is the annotation containerd and docker write
// beside ref.name, holding the full image name.
const annotationContainerdName = "io.containerd.image.name"

// openOCI resolves an image layout, a directory or inside an archive.
// oci-layout and index.json are the roots of trust: nothing refers to them
// by digest, so they are only parsed; every blob after them is verified.
func openOCI(src Source, s store, platform *imagespec.Platform) (*Image, error) {
	var layout imagespec.ImageLayout
	if err := readRootJSON(s, "oci-layout", &layout); err != nil {
		return nil, err
	}
	if layout.Version == "" {
		return nil, fmt.Errorf("%s: no imageLayoutVersion: not an OCI image layout", s.where("oci-layout"))
	}
	var index imagespec.Index
	if err := readRootJSON(s, "index.json", &index); err != nil {
		return nil, err
	}
	desc, err := pickRef(index.Manifests, src.Ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.where("index.json"), err)
	}
	mdesc, err := resolveIndex(s, desc, platform, 0)
	if err != nil {
		return nil, err
	}
	img, err := readManifest(s, mdesc, platform)
	if err != nil {
		return nil, err
	}
	img.Source = src
	img.closer = s
	return img, nil
}

func readRootJSON(s store, name string, v any) error {
	rc, n, err := s.open(name)
	if err != nil {
		return fmt.Errorf("%s: %w", s.where(name), err)
	}
	defer rc.Close()
	if n > maxJSONBlob {
		return fmt.Errorf("%s: size %d exceeds the %d-byte limit for metadata", s.where(name), n, maxJSONBlob)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("%s: %w", s.where(name), err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", s.where(name), err)
	}
	return nil
}

// pickRef selects the top-level entry named ref, or the only one.
func pickRef(entries []imagespec.Descriptor, ref string) (imagespec.Descriptor, error) {
	var refs []string
	for _, d := range entries {
		name := d.Annotations[imagespec.AnnotationRefName]
		if ref != "" && (name == ref || d.Annotations[annotationContainerdName] == ref) {
			return d, nil
		}
		if name != "" {
			refs = append(refs, name)
		}
	}
	switch {
	case len(entries) == 0:
		return imagespec.Descriptor{}, errors.New("no image in the index")
	case ref == "" && len(entries) == 1:
		return entries[0], nil
	case ref == "":
		return imagespec.Descriptor{}, fmt.Errorf("%d images, name one of: %s", len(entries), listOrNone(refs))
	}
	return imagespec.Descriptor{}, fmt.Errorf("no image named %q; names: %s", ref, listOrNone(refs))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "(none has an org.opencontainers.image.ref.name)"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// resolveIndex follows d, through nested indexes, to the manifest for
// platform. The first entry that matches wins, as the image-spec asks.
func resolveIndex(s store, d imagespec.Descriptor, platform *imagespec.Platform, depth int) (imagespec.Descriptor, error) {
	if isManifest(d.MediaType) {
		return d, nil
	}
	if !isIndex(d.MediaType) {
		return d, fmt.Errorf("blob %s: media type %q is neither an image index nor a manifest", d.Digest, d.MediaType)
	}
	if depth >= maxIndexDepth {
		return d, fmt.Errorf("blob %s: indexes nested more than %d deep", d.Digest, maxIndexDepth)
	}
	b, err := layoutRef(s, d.Digest, d.Size)
	if err != nil {
		return d, err
	}
	data, err := readBlob(b)
	if err != nil {
		return d, err
	}
	var idx imagespec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return d, b.errorf("%v", err)
	}
	var seen []string
	var nested error // why the last nested index had no match
	for _, e := range idx.Manifests {
		switch {
		case isManifest(e.MediaType) && platformMatches(platform, e.Platform):
			return e, nil
		case isIndex(e.MediaType) && (e.Platform == nil || platformMatches(platform, e.Platform)):
			m, err := resolveIndex(s, e, platform, depth+1)
			if err == nil {
				return m, nil
			}
			nested = err
			continue
		}
		seen = append(seen, platformString(e.Platform))
	}
	// An index that only wraps others has nothing to list itself: the
	// nested one's error says what is there.
	if len(seen) == 0 && nested != nil {
		return d, nested
	}
	return d, b.errorf("no manifest for %s; the index has: %s", platformString(platform), strings.Join(seen, ", "))
}

// readManifest reads and verifies a manifest and its configuration, and
// checks the layers' media types.
func readManifest(s store, d imagespec.Descriptor, platform *imagespec.Platform) (*Image, error) {
	b, err := layoutRef(s, d.Digest, d.Size)
	if err != nil {
		return nil, err
	}
	data, err := readBlob(b)
	if err != nil {
		return nil, err
	}
	var m imagespec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, b.errorf("%v", err)
	}
	if m.MediaType != "" && !isManifest(m.MediaType) {
		return nil, b.errorf("media type %q is not an image manifest", m.MediaType)
	}
	switch m.Config.MediaType {
	case imagespec.MediaTypeImageConfig, dockerConfig:
	default:
		return nil, b.errorf("config media type %q is not an image configuration", m.Config.MediaType)
	}
	cb, err := layoutRef(s, m.Config.Digest, m.Config.Size)
	if err != nil {
		return nil, err
	}
	cdata, err := readBlob(cb)
	if err != nil {
		return nil, err
	}
	img := &Image{Digest: d.Digest.String(), ConfigDigest: cb.digest.String()}
	if err := json.Unmarshal(cdata, &img.Config); err != nil {
		return nil, cb.errorf("%v", err)
	}
	if err := checkConfigPlatform(&img.Config, platform); err != nil {
		return nil, cb.errorf("%v", err)
	}
	for _, l := range m.Layers {
		lb, err := layoutRef(s, l.Digest, l.Size)
		if err != nil {
			return nil, err
		}
		if err := checkLayerType(l.MediaType); err != nil {
			return nil, lb.errorf("%v", err)
		}
		// Catch a missing blob now rather than halfway through unpacking.
		if !s.has(lb.name) {
			return nil, lb.errorf("missing")
		}
		img.Layers = append(img.Layers, Layer{Digest: l.Digest.String(), Size: l.Size, MediaType: l.MediaType, blob: lb})
	}
	return img, nil
}

// checkConfigPlatform refuses an image whose configuration names another
// platform, which a manifest chosen without an index could be.
func checkConfigPlatform(c *imagespec.Image, platform *imagespec.Platform) error {
	if c.OS == "" && c.Architecture == "" {
		return nil
	}
	have := c.Platform
	if !platformMatches(platform, &have) {
		return fmt.Errorf("image is for %s, not %s", platformString(&have), platformString(platform))
	}
	return nil
}
