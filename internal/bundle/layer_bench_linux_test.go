package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkApplyLayer applies a layer of 4000 small files (about 16 MB)
// in each compression, into a fresh root per iteration. On a disk
// filesystem the file creations dominate; run it with TMPDIR=/dev/shm to
// see the decompression pipeline (there gzip and zstd run about as fast
// as plain tar, the decompression being overlapped with the writes).
func BenchmarkApplyLayer(b *testing.B) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte(strings.Repeat("some file content ", 220))
	for d := range 40 {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/", d), Typeflag: tar.TypeDir, Mode: 0o755})
		for f := range 100 {
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/f%d", d, f), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			tw.Write(body)
		}
	}
	tw.Close()
	layer := buf.Bytes()
	t := &testing.T{}
	blobs := map[string][]byte{"plain": layer, "gzip": gz(t, layer), "zstd": zst(t, layer)}
	for _, name := range []string{"plain", "gzip", "zstd"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(layer)))
			base := b.TempDir()
			for i := 0; b.Loop(); i++ {
				root := filepath.Join(base, fmt.Sprint(i))
				os.Mkdir(root, 0o755)
				if err := ApplyLayer(context.Background(), root, bytes.NewReader(blobs[name]), UnpackOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
