package cgroups

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// planRdma: one "DEVICE hca_handle=N hca_object=N" line per device into
// rdma.max, the same file on v1 and v2, with only the keys the spec
// gives (the kernel keeps the other as it is, "max" in a new cgroup).
// Devices go in name order, so that the same spec always makes the same
// writes. The kernel refuses a device it does not know (EINVAL); the
// error names the field, which holds the device, and the file's path in
// the cgroup (write.run), and Create's caller then removes the cgroup.
func planRdma(r *specs.LinuxResources, _ bool) ([]step, error) {
	names := make([]string, 0, len(r.Rdma))
	for name := range r.Rdma {
		names = append(names, name)
	}
	slices.Sort(names)
	var steps []step
	for _, name := range names {
		field := "linux.resources.rdma." + name
		// One write is one line for the kernel, which splits it at
		// blanks: a name with a blank or a newline would set another
		// device's limit.
		if name == "" || strings.ContainsFunc(name, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
			return nil, fmt.Errorf("linux.resources.rdma: %q is not an rdma device name", name)
		}
		l := r.Rdma[name]
		var keys []string
		if l.HcaHandles != nil {
			keys = append(keys, "hca_handle="+strconv.FormatUint(uint64(*l.HcaHandles), 10))
		}
		if l.HcaObjects != nil {
			keys = append(keys, "hca_object="+strconv.FormatUint(uint64(*l.HcaObjects), 10))
		}
		if len(keys) == 0 {
			continue
		}
		steps = append(steps, step{write: write{field: field, file: "rdma.max",
			value: name + " " + strings.Join(keys, " "), mustExist: true}})
	}
	return steps, nil
}

// KernelHasController reports whether the running kernel has cgroup
// controller name (its v1 name: "blkio", not "io"), bound to a v1
// hierarchy or not: /proc/cgroups lists every controller the kernel was
// built with, on v1, v2 and hybrid hosts alike.
func KernelHasController(name string) (bool, error) {
	f, err := os.Open("/proc/cgroups")
	if err != nil {
		return false, fmt.Errorf("list the kernel's cgroup controllers: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "#subsys_name hierarchy num_cgroups enabled"
		fs := strings.Fields(sc.Text())
		if len(fs) == 4 && fs[0] == name {
			return fs[3] == "1", nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read /proc/cgroups: %w", err)
	}
	return false, nil
}

// explainMissing turns err, a failure to reach the cgroup of controller
// ctrl for field, into a plainer one when the cause is that the kernel
// has no such controller at all (the rdma one is often not built in):
// "not delegated to the cgroup" would send the user looking in the wrong
// place. Where the kernel does have it, or /proc/cgroups cannot be read,
// err stands.
func explainMissing(field, ctrl string, err error) error {
	if ctrl == blkioV2 {
		ctrl = blkioV1
	}
	if has, herr := KernelHasController(ctrl); herr == nil && !has {
		return fmt.Errorf("%s: this kernel has no %s cgroup controller (not in /proc/cgroups, or disabled)", field, ctrl)
	}
	return err
}
