package bundle

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ocikit/ocikit/internal/image"
	"github.com/ocikit/ocikit/internal/spec"
)

// Progress reports how far CreateFromImage got: Layer of Layers is being
// applied, Done of Total bytes of layer blobs (as stored) are read.
type Progress struct {
	Layer, Layers int
	Done, Total   int64
}

// CreateFromImage makes the bundle dir from img: its layers applied in
// order into dir/rootfs, config.json converted from the image
// configuration (see the image-spec conversion document) over the
// default config, and the bundle's Summary recorded in dir/.bundle.json
// and returned. It is atomic as Create is: on error nothing this call
// made is left, and an existing bundle (with Force) keeps its rootfs.
func CreateFromImage(ctx context.Context, dir string, img *image.Image, opts Options) (sum *Summary, err error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rootless := opts.Rootless || os.Geteuid() != 0
	err = build(dir, opts.Force, log, func(tmp string) (bundleFiles, error) {
		if err := applyLayers(ctx, tmp, img, UnpackOptions{Privileged: !rootless, Log: log}, opts.Progress); err != nil {
			return bundleFiles{}, err
		}
		s := spec.Default()
		if err := applyImageConfig(s, &img.Config, tmp); err != nil {
			return bundleFiles{}, err
		}
		if rootless {
			if s.Process.User.UID != 0 || s.Process.User.GID != 0 {
				// The rootless config maps only container root to the
				// caller, so another image user has no host ID to run as.
				log.Warn("the image's user is not mapped in the rootless configuration; edit process.user or linux.uidMappings", "user", img.Config.Config.User)
			}
			spec.ToRootless(s, uint32(os.Geteuid()), uint32(os.Getegid()))
		}
		config, err := spec.Marshal(s)
		if err != nil {
			return bundleFiles{}, fmt.Errorf("config: %w", err)
		}
		size, err := treeSize(tmp)
		if err != nil {
			return bundleFiles{}, err
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return bundleFiles{}, err
		}
		sum = imageSummary(abs, img, size, rootless)
		sumData, err := sum.marshal()
		if err != nil {
			return bundleFiles{}, err
		}
		return bundleFiles{config: config, summary: sumData}, nil
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// applyLayers applies img's layers in order onto root. Each blob is
// verified whole by Layer.Open before the first byte is unpacked, and
// read to its end afterwards so the second pass's digest check runs too.
func applyLayers(ctx context.Context, root string, img *image.Image, opts UnpackOptions, progress func(Progress)) error {
	var total, before int64
	for _, l := range img.Layers {
		total += l.Size
	}
	for i, l := range img.Layers {
		if progress != nil {
			p := Progress{Layer: i + 1, Layers: len(img.Layers), Done: before, Total: total}
			progress(p)
			opts.Progress = func(n int64) {
				p.Done = before + n
				progress(p)
			}
		}
		if err := applyLayer(ctx, root, l, opts); err != nil {
			return err
		}
		before += l.Size
	}
	if progress != nil {
		progress(Progress{Layer: len(img.Layers), Layers: len(img.Layers), Done: total, Total: total})
	}
	return nil
}

func applyLayer(ctx context.Context, root string, l image.Layer, opts UnpackOptions) error {
	rc, err := l.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := ApplyLayer(ctx, root, rc, opts); err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	return nil
}

func imageSummary(dir string, img *image.Image, size int64, rootless bool) *Summary {
	s := &Summary{
		Path:     dir,
		Source:   img.Source.String(),
		Image:    img.Digest,
		Size:     size,
		Config:   ConfigSummary{Source: "image", Digest: img.ConfigDigest},
		Rootless: rootless,
		Created:  time.Now().UTC().Truncate(time.Second),
	}
	for _, l := range img.Layers {
		s.Layers = append(s.Layers, LayerSummary{Digest: l.Digest, Size: l.Size, MediaType: l.MediaType})
	}
	return s
}
