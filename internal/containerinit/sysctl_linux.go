package containerinit

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
)

// writeSysctls writes linux.sysctl through the container's /proc/sys.
// Keys are checked to name a path below /proc/sys (no "..", no leading
// "/"), and /proc is verified to be a real procfs first, so a fake /proc
// in the image cannot turn the writes elsewhere (CVE-2019-19921 family).
func writeSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/proc/sys", &st); err != nil {
		return cerr.Op("sysctl", "/proc/sys", err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		return cerr.Op("sysctl", "/proc/sys", fmt.Errorf("not a procfs (magic %#x)", st.Type))
	}
	for k, v := range sysctl {
		rel := strings.ReplaceAll(k, ".", "/")
		if k == "" || strings.HasPrefix(rel, "/") || strings.Contains("/"+rel+"/", "/../") {
			return cerr.Op("sysctl", k, fmt.Errorf("invalid key"))
		}
		p := "/proc/sys/" + rel
		fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_TRUNC, 0)
		if err != nil {
			return cerr.Op("sysctl", k, err)
		}
		f := os.NewFile(uintptr(fd), p)
		_, err = f.WriteString(v)
		f.Close()
		if err != nil {
			return cerr.Op("sysctl", k, err)
		}
	}
	return nil
}
