package imagetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Compression is how a layer blob is stored.
type Compression int

const (
	Plain Compression = iota
	Gzip
	Zstd
)

func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	default:
		return "plain"
	}
}

// OCI media types of the blobs this package writes.
const (
	MediaTypeManifest  = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeIndex     = "application/vnd.oci.image.index.v1+json"
	MediaTypeConfig    = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer     = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeLayerGzip = MediaTypeLayer + "+gzip"
	MediaTypeLayerZstd = MediaTypeLayer + "+zstd"
)

// MediaType is the OCI layer media type of a blob compressed with c.
func (c Compression) MediaType() string {
	switch c {
	case Gzip:
		return MediaTypeLayerGzip
	case Zstd:
		return MediaTypeLayerZstd
	default:
		return MediaTypeLayer
	}
}

// Layer is a changeset: its entries in tar order, and how its blob is
// compressed.
type Layer struct {
	Entries     []Entry
	Compression Compression
}

// NewLayer is a layer of the given entries stored with c.
func NewLayer(c Compression, entries ...Entry) Layer {
	return Layer{Entries: entries, Compression: c}
}

// Tar returns the layer's uncompressed tar stream.
func (l Layer) Tar() ([]byte, error) { return Tar(l.Entries...) }

// Blob returns the layer as stored in an image: its tar compressed with
// l.Compression.
func (l Layer) Blob() ([]byte, error) {
	raw, err := l.Tar()
	if err != nil {
		return nil, err
	}
	return Compress(raw, l.Compression)
}

// Tar writes the entries, in order, as a PAX tar stream.
func Tar(entries ...Entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.header()
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %q: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg && len(e.Content) > 0 {
			if _, err := tw.Write(e.Content); err != nil {
				return nil, fmt.Errorf("tar body %q: %w", h.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}

// Compress returns data compressed with c (Plain returns data itself).
func Compress(data []byte, c Compression) ([]byte, error) {
	var buf bytes.Buffer
	switch c {
	case Plain:
		return data, nil
	case Gzip:
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	case Zstd:
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if _, err := zw.Write(data); err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown compression %d", c)
	}
	return buf.Bytes(), nil
}

// Digest is the OCI digest ("sha256:<hex>") of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
