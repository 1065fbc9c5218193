package image

import (
	// go-digest hashes through crypto.Hash, which knows sha256 only
	// once its package is linked in.
	_ "crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/opencontainers/go-digest"
)

// maxJSONBlob bounds the index, manifest and configuration blobs read into
// memory, so a hostile descriptor cannot make Open allocate gigabytes.
const maxJSONBlob = 16 << 20

// blobRef is a blob as a descriptor names it: where it is and what its
// size and digest must be.
type blobRef struct {
	store  store
	name   string
	digest digest.Digest
	size   int64
}

// blobPath is where a layout keeps the blob d. d must be validated first:
// its parts are then plain lowercase words, safe in a path.
func blobPath(d digest.Digest) string {
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded()
}

// layoutRef checks a descriptor's digest and returns the blob it names.
func layoutRef(s store, d digest.Digest, size int64) (blobRef, error) {
	if err := d.Validate(); err != nil {
		return blobRef{}, fmt.Errorf("blob %q: %w", d, err)
	}
	if size < 0 {
		return blobRef{}, fmt.Errorf("blob %s: negative size %d", d, size)
	}
	return blobRef{store: s, name: blobPath(d), digest: d, size: size}, nil
}

func (b blobRef) errorf(format string, args ...any) error {
	return fmt.Errorf("blob %s (%s): %s", b.digest, b.store.where(b.name), fmt.Sprintf(format, args...))
}

// open opens the blob and checks its stored size against the descriptor.
func (b blobRef) open() (io.ReadCloser, error) {
	rc, n, err := b.store.open(b.name)
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	if n != b.size {
		rc.Close()
		return nil, b.errorf("size %d, descriptor says %d", n, b.size)
	}
	return rc, nil
}

// readBlob reads a small blob whole and verifies it.
func readBlob(b blobRef) ([]byte, error) {
	if b.size > maxJSONBlob {
		return nil, b.errorf("size %d exceeds the %d-byte limit for metadata", b.size, maxJSONBlob)
	}
	rc, err := b.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, b.size+1))
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	if int64(len(data)) != b.size {
		return nil, b.errorf("read %d bytes, descriptor says %d", len(data), b.size)
	}
	if got := b.digest.Algorithm().FromBytes(data); got != b.digest {
		return nil, b.errorf("digest mismatch: content is %s", got)
	}
	return data, nil
}

// openVerified hashes the whole blob, then returns it from the start.
// Verifying first means a corrupt or substituted layer is refused before
// any of it is unpacked; reading twice costs little as the second pass
// comes from the page cache. The returned reader hashes too, and fails at
// EOF if the file changed between the passes.
func openVerified(b blobRef) (io.ReadCloser, error) {
	if !b.digest.Algorithm().Available() {
		return nil, b.errorf("unsupported digest algorithm")
	}
	rc, err := b.open()
	if err != nil {
		return nil, err
	}
	h := b.digest.Algorithm().Hash()
	n, err := io.Copy(h, io.LimitReader(rc, b.size+1))
	rc.Close()
	if err != nil {
		return nil, b.errorf("%v", err)
	}
	if n != b.size {
		return nil, b.errorf("read %d bytes, descriptor says %d", n, b.size)
	}
	if got := digest.NewDigest(b.digest.Algorithm(), h); got != b.digest {
		return nil, b.errorf("digest mismatch: content is %s", got)
	}
	rc, err = b.open()
	if err != nil {
		return nil, err
	}
	return &verifyReader{b: b, rc: rc, h: b.digest.Algorithm().Hash()}, nil
}

// verifyReader hashes what it passes on and reports a mismatch at EOF.
type verifyReader struct {
	b  blobRef
	rc io.ReadCloser
	h  hash.Hash
	n  int64
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.b.size {
		return n, v.b.errorf("grew past %d bytes while being read", v.b.size)
	}
	if errors.Is(err, io.EOF) {
		if v.n != v.b.size {
			return n, v.b.errorf("shrank to %d bytes while being read", v.n)
		}
		if got := digest.NewDigest(v.b.digest.Algorithm(), v.h); got != v.b.digest {
			return n, v.b.errorf("changed while being read: content is %s", got)
		}
	}
	return n, err
}

func (v *verifyReader) Close() error { return v.rc.Close() }
