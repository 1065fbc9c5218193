package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Kind tells how a Source stores its image.
type Kind int

const (
	// Layout is an OCI image layout directory.
	Layout Kind = iota + 1
	// OCIArchive is a tar archive of an OCI image layout.
	OCIArchive
	// DockerArchive is a `docker save` tar: manifest.json and layer tars.
	DockerArchive
	// Archive is an oci-archive or a docker-archive, told apart by content.
	Archive
)

func (k Kind) String() string {
	switch k {
	case Layout:
		return "oci-layout"
	case OCIArchive:
		return "oci-archive"
	case DockerArchive:
		return "docker-archive"
	case Archive:
		return "archive"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Source names an image on disk.
type Source struct {
	Kind Kind
	// Path is the layout directory or the archive file.
	Path string
	// Ref picks the image when the source holds several: the
	// org.opencontainers.image.ref.name annotation of a layout, a RepoTag
	// of a docker-archive. Empty means the only one.
	Ref string
}

func (s Source) String() string {
	if s.Ref == "" {
		return s.Kind.String() + ":" + s.Path
	}
	return s.Kind.String() + ":" + s.Path + ":" + s.Ref
}

// SplitRef splits a command-line argument PATH[:REF]. An argument naming
// an existing file is all path, so paths holding a colon still work.
func SplitRef(arg string) (path, ref string) {
	if _, err := os.Stat(arg); err == nil {
		return arg, ""
	}
	i := strings.LastIndexByte(arg, ':')
	if i <= 0 {
		return arg, ""
	}
	return arg[:i], arg[i+1:]
}

// Image is one resolved image. Close releases the archive it reads from;
// its layers cannot be opened afterwards.
type Image struct {
	// Source is where the image was read, with Kind resolved.
	Source Source
	// Digest is the digest of the image manifest (for a docker-archive,
	// which has no manifest blob, the digest of the configuration).
	Digest string
	// ConfigDigest is the digest of the configuration blob.
	ConfigDigest string
	// Config is the verified image configuration.
	Config imagespec.Image
	// Layers are the filesystem changesets, base first.
	Layers []Layer

	closer io.Closer
}

// Close releases the files the image reads from.
func (img *Image) Close() error {
	if img.closer == nil {
		return nil
	}
	err := img.closer.Close()
	img.closer = nil
	return err
}

// Layer is one layer blob of an image.
type Layer struct {
	// Digest and Size are those of the blob as stored (compressed or not).
	Digest string
	Size   int64
	// MediaType is the descriptor's media type.
	MediaType string

	blob blobRef
}

// Open returns the layer blob as stored. The whole blob is hashed before
// Open returns, so a size or digest mismatch is an error before any byte
// reaches the caller; the returned reader hashes again as it goes and
// fails at EOF if the file changed in between.
func (l Layer) Open() (io.ReadCloser, error) {
	if l.blob.store == nil {
		return nil, errors.New("layer " + l.Digest + ": not part of an open image")
	}
	return openVerified(l.blob)
}

// Open resolves src to the image for platform (nil: this machine's).
func Open(src Source, platform *imagespec.Platform) (*Image, error) {
	if platform == nil {
		p := HostPlatform()
		platform = &p
	}
	switch src.Kind {
	case Layout:
		store, err := openDirStore(src.Path)
		if err != nil {
			return nil, err
		}
		return openOCI(src, store, platform)
	case OCIArchive, DockerArchive, Archive:
		return openArchive(src, platform)
	}
	return nil, fmt.Errorf("image %q: unknown source kind %v", src.Path, src.Kind)
}

func openArchive(src Source, platform *imagespec.Platform) (img *Image, err error) {
	ta, err := openTarStore(src.Path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ta.Close()
		}
	}()
	kind := src.Kind
	if kind == Archive {
		switch {
		case ta.has("oci-layout") && ta.has("index.json"):
			kind = OCIArchive
		case ta.has("manifest.json"):
			kind = DockerArchive
		default:
			return nil, fmt.Errorf("archive %q: neither an oci-archive (oci-layout, index.json) nor a docker-archive (manifest.json)", src.Path)
		}
	}
	src.Kind = kind
	if kind == OCIArchive {
		return openOCI(src, ta, platform)
	}
	return openDocker(src, ta, platform)
}
