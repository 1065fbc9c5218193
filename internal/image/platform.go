package image

import (
	"runtime"
	"strings"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// HostPlatform is the platform of this machine as images name it.
func HostPlatform() imagespec.Platform {
	p := imagespec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	switch runtime.GOARCH {
	case "arm64":
		p.Variant = "v8"
	case "arm":
		p.Variant = "v7"
	}
	return p
}

// normalVariant maps the variants that mean the baseline of an
// architecture to "", so amd64 and amd64/v1, arm64 and arm64/v8 match.
func normalVariant(arch, variant string) string {
	switch {
	case arch == "amd64" && variant == "v1":
		return ""
	case arch == "arm64" && variant == "v8":
		return ""
	}
	return variant
}

// platformMatches tells whether an image for have runs on want. A variant
// the descriptor leaves out matches any; one it names must be want's.
func platformMatches(want, have *imagespec.Platform) bool {
	if have == nil || want.OS != have.OS || want.Architecture != have.Architecture {
		return false
	}
	hv := normalVariant(have.Architecture, have.Variant)
	return hv == "" || hv == normalVariant(want.Architecture, want.Variant)
}

func platformString(p *imagespec.Platform) string {
	if p == nil {
		return "(no platform)"
	}
	parts := []string{p.OS, p.Architecture}
	if p.Variant != "" {
		parts = append(parts, p.Variant)
	}
	return strings.Join(parts, "/")
}
