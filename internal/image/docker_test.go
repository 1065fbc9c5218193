package image

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerFiles builds a docker-archive as docker save writes it: a config
// named <hex>.json and plain layers at <id>/layer.tar.
func dockerFiles(t *testing.T, tags []string, layers ...[]byte) (files, digest.Digest) {
	t.Helper()
	f := files{}
	cfg := imagespec.Image{Platform: HostPlatform(), Config: imagespec.ImageConfig{Cmd: []string{"true"}}}
	cfg.RootFS.Type = "layers"
	e := dockerEntry{RepoTags: tags}
	for i, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(l))
		name := strings.Repeat(string(rune('a'+i)), 8) + "/layer.tar"
		f[name] = l
		e.Layers = append(e.Layers, name)
	}
	data, _ := json.Marshal(cfg)
	cd := digest.FromBytes(data)
	e.Config = cd.Encoded() + ".json"
	f[e.Config] = data
	m, _ := json.Marshal([]dockerEntry{e})
	f["manifest.json"] = m
	return f, cd
}

func TestDockerArchive(t *testing.T) {
	l1, l2 := layerTar(t, "a", "one"), layerTar(t, "b", "two")
	f, cd := dockerFiles(t, []string{"busybox:latest"}, l1, l2)
	for _, ref := range []string{"", "busybox", "busybox:latest"} {
		img, err := Open(Source{Kind: Archive, Path: f.writeTar(t), Ref: ref}, nil)
		if err != nil {
			t.Fatalf("ref %q: %v", ref, err)
		}
		if img.Source.Kind != DockerArchive || img.Digest != cd.String() || len(img.Layers) != 2 {
			t.Errorf("ref %q: %+v", ref, img)
		}
		if img.Layers[1].Digest != digest.FromBytes(l2).String() || img.Layers[1].MediaType != dockerLayer {
			t.Errorf("layer 1: %+v", img.Layers[1])
		}
		if !bytes.Equal(readLayer(t, img.Layers[0]), l1) {
			t.Error("layer 0 content differs")
		}
		img.Close()
	}
	if _, err := Open(Source{Kind: DockerArchive, Path: f.writeTar(t), Ref: "alpine"}, nil); err == nil ||
		!strings.Contains(err.Error(), `no image tagged "alpine"; tags: busybox:latest`) {
		t.Errorf("unknown tag: %v", err)
	}
}

func TestDockerArchiveVerification(t *testing.T) {
	l := layerTar(t, "a", "one")
	f, _ := dockerFiles(t, nil, l)
	f["aaaaaaaa/layer.tar"] = bytes.ToUpper(l)
	img, err := Open(Source{Kind: Archive, Path: f.writeTar(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if _, err := img.Layers[0].Open(); err == nil || !strings.Contains(err.Error(), "aaaaaaaa/layer.tar): digest mismatch") {
		t.Errorf("corrupt layer: %v", err)
	}

	f, cd := dockerFiles(t, nil, l)
	f[cd.Encoded()+".json"] = bytes.Replace(f[cd.Encoded()+".json"], []byte("true"), []byte("evil"), 1)
	if _, err := Open(Source{Kind: Archive, Path: f.writeTar(t)}, nil); err == nil || !strings.Contains(err.Error(), "digest mismatch") {
		t.Errorf("corrupt config: %v", err)
	}

	// A compressed layer not named by its digest cannot be checked
	// against the diff_ids, which are digests of uncompressed content.
	f, _ = dockerFiles(t, nil, l)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(l)
	zw.Close()
	f["aaaaaaaa/layer.tar"] = gz.Bytes()
	if _, err := Open(Source{Kind: Archive, Path: f.writeTar(t)}, nil); err == nil || !strings.Contains(err.Error(), "cannot be verified") {
		t.Errorf("unnamed gzip layer: %v", err)
	}
}
