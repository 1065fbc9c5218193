package image

import (
	"fmt"
	"strings"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker's media types, which image-spec does not define.
const (
	dockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerConfig       = "application/vnd.docker.container.image.v1+json"
	dockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
	dockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	dockerLayerZstd    = "application/vnd.docker.image.rootfs.diff.tar.zstd"
	dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
)

func isIndex(mt string) bool {
	return mt == imagespec.MediaTypeImageIndex || mt == dockerManifestList
}

func isManifest(mt string) bool {
	return mt == imagespec.MediaTypeImageManifest || mt == dockerManifest
}

// checkLayerType accepts the layer media types whose blobs are tar
// streams, plain, gzip or zstd. Non-distributable ("foreign") layers
// point at content elsewhere that an image on disk does not hold, so they
// are refused rather than silently left out.
func checkLayerType(mt string) error {
	switch mt {
	case imagespec.MediaTypeImageLayer, imagespec.MediaTypeImageLayerGzip, imagespec.MediaTypeImageLayerZstd,
		dockerLayer, dockerLayerGzip, dockerLayerZstd:
		return nil
	case dockerForeignLayer:
		return fmt.Errorf("foreign layer (media type %s) is not supported", mt)
	}
	if strings.Contains(mt, "nondistributable") {
		return fmt.Errorf("non-distributable layer (media type %s) is not supported", mt)
	}
	return fmt.Errorf("unknown layer media type %q", mt)
}
