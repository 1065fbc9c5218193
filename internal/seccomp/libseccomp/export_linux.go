package libseccomp

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	scmp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// export returns the BPF program libseccomp made of f. It goes through a
// memfd: it needs no file system (the init runs after pivot_root, in the
// container's root) and, unlike a pipe, no reader running beside the
// writer for a program larger than the pipe's buffer.
func export(f *scmp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("ocikit-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: memfd for the filter: %w", err)
	}
	mf := os.NewFile(uintptr(fd), "ocikit-seccomp")
	defer mf.Close()
	if err := f.ExportBPF(mf); err != nil {
		return nil, fmt.Errorf("linux.seccomp: export the filter: %w", err)
	}
	if _, err := mf.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("linux.seccomp: read the filter back: %w", err)
	}
	raw, err := io.ReadAll(mf)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: read the filter back: %w", err)
	}
	return parse(raw)
}

// parse reads struct sock_filter records, in the host's byte order as
// libseccomp writes them.
func parse(raw []byte) ([]unix.SockFilter, error) {
	const size = 8
	if len(raw) == 0 || len(raw)%size != 0 {
		return nil, fmt.Errorf("linux.seccomp: exported filter of %d bytes is not a whole number of instructions", len(raw))
	}
	out := make([]unix.SockFilter, len(raw)/size)
	ne := binary.NativeEndian
	for i := range out {
		b := raw[i*size:]
		out[i] = unix.SockFilter{Code: ne.Uint16(b), Jt: b[2], Jf: b[3], K: ne.Uint32(b[4:])}
	}
	return out, nil
}
