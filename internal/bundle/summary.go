package bundle

import (
	"encoding/json"
	"time"
)

// SummaryFile is where a bundle made from an image records its Summary,
// beside config.json. Inspect reads it; it is not part of the OCI bundle
// and runtimes ignore it.
const SummaryFile = ".bundle.json"

// Summary describes a bundle: what `oci-bundle create` and `oci-bundle
// inspect` print.
type Summary struct {
	// Path is the bundle directory, absolute.
	Path string `json:"path"`
	// Source is where the rootfs came from: "oci-layout:DIR[:REF]",
	// "oci-archive:FILE[:REF]", "docker-archive:FILE[:REF]", "tar".
	Source string `json:"source"`
	// Image is the manifest digest (for a docker-archive, the config's).
	Image string `json:"image,omitempty"`
	// Layers are the image's layers as stored, base first.
	Layers []LayerSummary `json:"layers,omitempty"`
	// Size is the size of the unpacked rootfs: the bytes of its regular
	// files, each hard-linked file counted once.
	Size int64 `json:"size"`
	// Config says where config.json came from.
	Config ConfigSummary `json:"config"`
	// Rootless tells whether the bundle was made for an ordinary user.
	Rootless bool `json:"rootless"`
	// Created is when the bundle was made (for a bundle without a
	// summary file, when config.json was last written).
	Created time.Time `json:"created"`
}

// LayerSummary is one layer of Summary.
type LayerSummary struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType"`
}

// ConfigSummary says how config.json was made.
type ConfigSummary struct {
	// Source is "image" (converted from the image configuration) or
	// "default" (the default configuration, as for a rootfs tar).
	Source string `json:"source"`
	// Digest is the image configuration's digest when Source is "image".
	Digest string `json:"digest,omitempty"`
}

func (s *Summary) marshal() ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
