package containerinit

import (
	"fmt"
	"strings"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/process"
)

// writeSysctls writes linux.sysctl through a verified procfs handle
// (process.OpenProcFS), never through the path /proc/sys of the root the
// init has just entered.
//
// By then that path is the container's: an image's directory of plain
// files where the spec mounts no procfs (CVE-2019-19921 family), or a
// procfs with a host file bound over one sysctl by a spec mount that
// resolved into /proc (CVE-2025-52881). A check of the directory's
// filesystem followed by an open by path would pass both (a bind of a
// single file leaves the directory a procfs) and leave a gap between the
// check and the open. The handle's root is checked to be a procfs root
// once, and each key is opened beneath it with no symlink and no mount
// crossed, so the write reaches the kernel's sysctl or fails.
func writeSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	// Every key is checked before the first write: a bad one fails the
	// create with nothing changed.
	rels := make(map[string]string, len(sysctl))
	for k := range sysctl {
		rel, err := sysctlPath(k)
		if err != nil {
			return cerr.Op("sysctl", k, err)
		}
		rels[k] = rel
	}
	proc, err := process.OpenProcFS()
	if err != nil {
		return cerr.Op("sysctl", "/proc/sys", err)
	}
	defer proc.Close()
	for k, v := range sysctl {
		if err := proc.WriteFile(rels[k], v); err != nil {
			return cerr.Op("sysctl", k, err)
		}
	}
	return nil
}

// sysctlPath turns key (net.ipv4.ip_forward) into its file below the
// procfs root (sys/net/ipv4/ip_forward). As with sysctl(8), and as
// Kubernetes passes them, a "/" in a key stands for a dot inside one name
// (net.ipv4.conf.eth0/100.rp_filter is the interface eth0.100), so the
// two are swapped. A key that could name anything else (empty, absolute,
// with an empty, "." or ".." name) is refused; the resolve flags of the
// open would stop it too, but the error is clearer.
func sysctlPath(key string) (string, error) {
	if strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("invalid key: a path, not a sysctl name")
	}
	rel := strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, key)
	for _, part := range strings.Split(rel, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("invalid key")
		}
	}
	return "sys/" + rel, nil
}
