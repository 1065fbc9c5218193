package vm

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// guestHostBinaries are host programs the guest carries at their own
// paths, although they are dynamically linked: CRIU for the checkpoint
// tests (criu needs the kernel it checkpoints, and the host's 6.18 vdso
// defeats Debian's criu 3.17, while the guest's 6.1 does not), GNU tar,
// which criu runs with options busybox's tar lacks to save a tmpfs's
// files, apparmor_parser for the AppArmor tests (the guest's kernel has
// AppArmor, the host's does not), and the util-linux, shadow and iproute2
// programs the rootless, user namespace, terminal, rlimit and network
// device tests drive with options busybox's applets lack: setpriv to run
// the tools as another user, newuidmap and newgidmap for multi-range id
// maps, script for a terminal, prlimit, and ip for veth pairs (under
// /usr/sbin, ahead of busybox's ip on the guest's PATH). Debian builds
// none of them statically, so each comes with the shared libraries it
// names and the dynamic loader; a program absent from the host is left
// out with a log line and the tests needing it skip in the guest.
var guestHostBinaries = []string{
	"/usr/sbin/criu",
	"/usr/bin/tar",
	"/usr/sbin/apparmor_parser",
	"/usr/bin/setpriv",
	"/usr/bin/newuidmap",
	"/usr/bin/newgidmap",
	"/usr/bin/script",
	"/usr/bin/prlimit",
	"/usr/sbin/ip",
}

// guestHostData are plain host files the guest carries at their own
// paths: podman's default seccomp profile, which the podman profile
// tests translate and load (package golang-github-containers-common).
// One absent from the host is left out with a log line, and the tests
// reading it skip in the guest.
var guestHostData = []string{
	"/usr/share/containers/seccomp.json",
}

// hostData returns the payload entries of the regular files in paths,
// each with its host mode, and a line in skipped for each one the host
// lacks or holds as something other than a regular file.
func hostData(paths []string) (files []payloadFile, skipped []string) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			skipped = append(skipped, fmt.Sprintf("no %s on the host", p))
			continue
		case err != nil:
			skipped = append(skipped, err.Error())
			continue
		case !fi.Mode().IsRegular():
			skipped = append(skipped, fmt.Sprintf("%s is not a regular file", p))
			continue
		}
		files = append(files, payloadFile{name: strings.TrimPrefix(path.Clean(p), "/"), src: p, mode: statPerm(fi.Mode())})
	}
	return files, skipped
}

// hostLibDirs are where a DT_NEEDED name is looked for, in the order of
// Debian's multiarch loader without its cache. The guest gets each
// library under the directory it was found in, which its loader also
// searches, so no ld.so.cache is needed there.
var hostLibDirs = []string{
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
}

// payloadFile is one host file for the initramfs: name is its path in
// the archive (relative), src the host path it is read from (symbolic
// links followed: the archive holds the content under the name the
// loader asks for), mode its permission bits as stat(2) gives them.
// The host's mode is kept, set-user-ID included: newuidmap and
// newgidmap write another process's id map only as root, and the tests
// run them through setpriv as an unprivileged user, as on a host.
type payloadFile struct {
	name string
	src  string
	mode uint32
}

// hostPayload returns the files that make bins run in the guest: each
// program, its program interpreter and its shared libraries, needed ones
// of needed ones included, each once. A program that is absent, or whose
// library cannot be found for its machine, is left out whole with a line
// in skipped: shipped without a library it would fail in the guest with
// a loader error far from here.
func hostPayload(bins, libDirs []string) (files []payloadFile, skipped []string) {
	seen := map[string]bool{}
	for _, bin := range bins {
		own, err := programFiles(bin, libDirs, seen)
		if err != nil {
			skipped = append(skipped, err.Error())
			continue
		}
		for _, f := range own {
			seen[f.name] = true
		}
		files = append(files, own...)
	}
	return files, skipped
}

// programFiles returns bin and the files it needs that seen does not
// hold yet, each with its host mode.
func programFiles(bin string, libDirs []string, seen map[string]bool) ([]payloadFile, error) {
	deps, err := elfClosure(bin, libDirs)
	if err != nil {
		return nil, err
	}
	var out []payloadFile
	for _, p := range append([]string{bin}, deps...) {
		name := strings.TrimPrefix(path.Clean(p), "/")
		if seen[name] || slices.ContainsFunc(out, func(f payloadFile) bool { return f.name == name }) {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bin, err)
		}
		out = append(out, payloadFile{name: name, src: p, mode: statPerm(fi.Mode())})
	}
	return out, nil
}

// statPerm converts the permission bits of m, with set-user-ID,
// set-group-ID and sticky, to stat(2)'s layout, which the cpio header
// holds.
func statPerm(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

// elfClosure returns the program interpreter and every shared library
// bin needs, breadth first, as host paths. Libraries are matched to
// bin's ELF class and machine, so a 32-bit library of the same name in
// another directory is passed over, as the loader would.
func elfClosure(bin string, libDirs []string) ([]string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no %s on the host", bin)
		}
		return nil, fmt.Errorf("%q: %w", bin, err)
	}
	defer f.Close()
	var out []string
	interp, err := interpreter(f)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", bin, err)
	}
	if interp != "" {
		out = append(out, interp)
	}
	queue, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("%q: read DT_NEEDED: %w", bin, err)
	}
	found := map[string]bool{}
	for len(queue) > 0 {
		lib := queue[0]
		queue = queue[1:]
		if found[lib] {
			continue
		}
		found[lib] = true
		p, next, err := findLibrary(lib, f.Class, f.Machine, libDirs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bin, err)
		}
		// The loader is usually named too (libc needs it); it is
		// shipped once, under the interpreter's path and this one.
		out = append(out, p)
		queue = append(queue, next...)
	}
	return out, nil
}

// interpreter returns the PT_INTERP path of f, or "" for a static one.
func interpreter(f *elf.File) (string, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return "", fmt.Errorf("read PT_INTERP: %w", err)
		}
		return strings.TrimRight(string(b), "\x00"), nil
	}
	return "", nil
}

// findLibrary looks name up in libDirs and returns its path and the
// libraries it needs in turn.
func findLibrary(name string, class elf.Class, machine elf.Machine, libDirs []string) (string, []string, error) {
	if strings.Contains(name, "/") {
		return "", nil, fmt.Errorf("DT_NEEDED %q is a path; only plain names are resolved", name)
	}
	for _, d := range libDirs {
		p := filepath.Join(d, name)
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		if f.Class != class || f.Machine != machine {
			f.Close()
			continue
		}
		next, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			return "", nil, fmt.Errorf("%q: read DT_NEEDED: %w", p, err)
		}
		return p, next, nil
	}
	return "", nil, fmt.Errorf("library %s not found for %v/%v in %s", name, class, machine, strings.Join(libDirs, ":"))
}

// payloadDirs returns the archive directories files need, parents
// first, leaving out those in have.
func payloadDirs(files []payloadFile, have []string) []string {
	set := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.name); d != "." && d != "/"; d = path.Dir(d) {
			set[d] = true
		}
	}
	var dirs []string
	for d := range set {
		if !slices.Contains(have, d) {
			dirs = append(dirs, d)
		}
	}
	// A parent is a prefix of its children, so it sorts first.
	slices.Sort(dirs)
	return dirs
}
