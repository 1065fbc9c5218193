package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ocikit/ocikit/internal/bundle"
	"github.com/ocikit/ocikit/internal/cli"
	it "github.com/ocikit/ocikit/internal/image/imagetest"
)

func runOut(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var cmd command
	var out, errb bytes.Buffer
	code := cli.Main("oci-bundle", "test", &cmd, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCreateFromImages(t *testing.T) {
	tmp := t.TempDir()
	img := it.Image{Ref: "v1", Layers: []it.Layer{it.NewLayer(it.Plain, it.File("hello", "hi"))},
		Config: imagespec.ImageConfig{Cmd: []string{"/hello"}}}
	built, err := it.WriteOCIArchive(filepath.Join(tmp, "oci.tar"), img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.WriteLayout(filepath.Join(tmp, "layout"), img); err != nil {
		t.Fatal(err)
	}
	for i, src := range [][]string{
		{"--from-archive", filepath.Join(tmp, "oci.tar") + ":v1"},
		{"--from-layout", filepath.Join(tmp, "layout")},
	} {
		dir := filepath.Join(tmp, "b", string(rune('0'+i)))
		code, out, errs := runOut(t, append(append([]string{"create", "--rootless"}, src...), dir)...)
		if code != 0 {
			t.Fatalf("%v: %d %s", src, code, errs)
		}
		var sum bundle.Summary
		if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Path != dir || sum.Image != built[0].ManifestDigest {
			t.Errorf("%v: %v %+v", src, err, sum)
		}
		code, out2, errs := runOut(t, "inspect", dir)
		if code != 0 || out2 != out {
			t.Errorf("inspect: %d %s\n%s\nwant %s", code, errs, out2, out)
		}
	}
	code, _, errs := runOut(t, "create", "--from-archive", filepath.Join(tmp, "oci.tar"), "--from-layout", tmp, filepath.Join(tmp, "x"))
	if code != 2 || !strings.Contains(errs, "exactly one of") {
		t.Errorf("two sources: %d %s", code, errs)
	}
	code, _, errs = runOut(t, "create", "--from-archive", filepath.Join(tmp, "oci.tar")+":v2", filepath.Join(tmp, "x"))
	if code != 1 || !strings.Contains(errs, `no image named "v2"; names: v1`) {
		t.Errorf("unknown ref: %d %s", code, errs)
	}
}
