package bundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the memory a zstd frame can make the decoder
// allocate. 128 MiB is the window of `zstd --long=27`, more than any
// image tool uses; a larger one in an untrusted blob is refused rather
// than allowed to claim up to the library's 512 MiB default.
const zstdMaxWindow = 128 << 20

// Readahead geometry: decompression runs this many buffers ahead of the
// writes, so a slow file creation does not stall the decompressor and a
// slow block does not stall the writes.
const (
	readaheadBufs = 4
	readaheadSize = 256 << 10
)

// stream is a decompressed tar stream.
type stream struct {
	io.Reader
	// what names the input in error messages: "gzip archive", "zstd
	// archive" or "archive".
	what  string
	close func()
}

// decompress returns r's tar stream, unwrapping gzip or zstd, told apart
// by their magic numbers. progress, if set, is called with the number of
// bytes of r consumed so far, each time it grows. Other compressions are
// recognised only to say so clearly instead of failing as a corrupt tar
// header. The caller must call close, which stops the decompressor.
func decompress(r io.Reader, progress func(int64)) (*stream, error) {
	if progress != nil {
		r = &countingReader{r: r, progress: progress}
	}
	br := bufio.NewReaderSize(r, 64*1024)
	magic, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	switch {
	case len(magic) == 0:
		return nil, errors.New("read archive: empty input")
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read gzip archive: %w", err)
		}
		ra := newReadahead(zr)
		return &stream{Reader: ra, what: "gzip archive", close: func() { ra.close(); zr.Close() }}, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, fmt.Errorf("read zstd archive: %w", err)
		}
		ra := newReadahead(zr)
		return &stream{Reader: ra, what: "zstd archive", close: func() { ra.close(); zr.Close() }}, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, errors.New("read archive: xz compression is not supported; decompress it first")
	case bytes.HasPrefix(magic, []byte("BZh")):
		return nil, errors.New("read archive: bzip2 compression is not supported; decompress it first")
	}
	return &stream{Reader: br, what: "archive", close: func() {}}, nil
}

// countingReader reports the running total of bytes read through it.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		c.progress(c.n)
	}
	return n, err
}

// readahead reads its source in a goroutine, a few buffers ahead of the
// consumer, so decompression overlaps the file writes that consume it.
type readahead struct {
	full chan []byte // filled buffers, in order; closed after the last
	free chan []byte // buffers the consumer has finished with
	done chan struct{}
	exit chan struct{} // closed when the goroutine has returned
	err  error         // the source's final error; read after full closes

	cur []byte // what is left of the buffer being consumed
	buf []byte // the buffer cur points into, returned to free when spent
}

func newReadahead(src io.Reader) *readahead {
	ra := &readahead{
		full: make(chan []byte, readaheadBufs),
		free: make(chan []byte, readaheadBufs),
		done: make(chan struct{}),
		exit: make(chan struct{}),
	}
	for range readaheadBufs {
		ra.free <- make([]byte, readaheadSize)
	}
	go ra.fill(src)
	return ra
}

func (ra *readahead) fill(src io.Reader) {
	defer close(ra.exit)
	defer close(ra.full)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		// Fill the buffer as far as the source allows, keeping the
		// source's own error: a truncated stream must surface as the
		// decompressor's error, not as a clean end.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		if n > 0 {
			select {
			case ra.full <- buf[:n]:
			case <-ra.done:
				return
			}
		}
		if err != nil {
			ra.err = err
			return
		}
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	if len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		buf, ok := <-ra.full
		if !ok {
			return 0, ra.err // set before full was closed
		}
		ra.buf, ra.cur = buf, buf
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// close stops the goroutine and waits for it, so the source (and the
// caller's reader under it) is not read after close returns. The wait
// lasts at most one Read of the source.
func (ra *readahead) close() {
	close(ra.done)
	<-ra.exit
}
