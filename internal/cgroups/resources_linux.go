package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// files is how Set reaches cgroup files: the host's (hostFiles), or a
// test's stand-ins on a plain directory tree.
type files interface {
	check(dir string) error // dir lies on a cgroup file system
	read(dir, name string) (string, error)
	write(dir, name, value string) error
	// canAttach says why attach cannot work, before anything is written;
	// attach makes policy the device program of a v2 cgroup
	// (devices_v2_linux.go).
	canAttach() error
	attach(dir string, policy *DevicePolicy) error
}

type hostFiles struct{}

func (hostFiles) check(dir string) error                { return checkCgroupFS(dir) }
func (hostFiles) read(dir, name string) (string, error) { return readFile(dir, name) }
func (hostFiles) write(dir, name, value string) error   { return writeFile(dir, name, value) }

// Set applies the limits of a spec's linux.resources to the container's
// cgroups: memory, pids, cpu, cpuset, hugetlb, blockIO (blkio on v1, io
// on v2), rdma and (v1 only) net_cls and net_prio, each in the hierarchy that carries its controller (the v1 one
// on a hybrid host, else the unified one), the device rules, and last the
// raw v2 files of linux.resources.unified (see planUnified). created is the spec's linux.devices: the devices the
// container's /dev gets are allowed to it. A nil r and no created set
// nothing.
//
// The device rules (linux.resources.devices, then the devices every
// container needs and the created ones; see devicePlan) go to the v1
// devices controller, or become an eBPF program attached to the v2
// cgroup, which needs package devicebpf linked into the binary (see
// RegisterDeviceProgrammer); without it such rules are an error. Without
// rules and created devices the cgroup keeps the rules it was created
// with, and so does a cgroup the user prepared (with a warning). A rootless runtime, which the kernel does not let set device
// rules, applies none; it warns only when it has no cgroup at all, with
// the other limits it then cannot apply.
//
// Set refuses a field the cgroup version or the kernel cannot apply
// (leafWeight on v2, a controller the kernel lacks), naming it, rather
// than run a container without a limit its spec asks for.
//
// Set writes only into cgroups the runtime created (the Owned ones): the
// limits of a cgroup the user prepared are left alone, and asking to set
// some is an error. On cgroup v2 it turns the needed controllers on in the
// cgroup.subtree_control of those created cgroups only; a controller its
// first parent does not delegate is an error naming the controller and
// the cgroup. A rootless runtime that has no cgroup for a controller
// warns once and runs the container without those limits.
//
// Every value is checked before anything is written, so a spec with a bad
// value leaves the cgroups untouched.
func (m *Manager) Set(r *specs.LinuxResources, created ...specs.LinuxDevice) error {
	return m.set(r, hostFiles{}, created...)
}

// group is the writes of one controller into one cgroup.
type group struct {
	controller string // as named by v1 mounts and v2 cgroup.controllers
	field      string // the spec object it comes from, for messages
	key        string // the hierarchy it goes to (Manager.Paths key)
	v2         bool
	steps      []step
}

// controllers lists what Set applies, in the order it applies it; plan
// turns the spec into writes for one cgroup version.
var controllers = []struct {
	name, field string
	plan        func(r *specs.LinuxResources, v2 bool) ([]step, error)
}{
	{"memory", "linux.resources.memory", planMemory},
	{"pids", "linux.resources.pids", planPids},
	{"cpu", "linux.resources.cpu", planCPU},
	{"cpuset", "linux.resources.cpu", planCpuset},
	{"hugetlb", "linux.resources.hugepageLimits", planHugetlb},
	{"net_cls", "linux.resources.network", planNetClass},
	{"net_prio", "linux.resources.network", planNetPrio},
	{blkioV1, blkioField, planBlkio},
	{"rdma", "linux.resources.rdma", planRdma},
}

// v2Name is the v2 name of controller c: only blkio was renamed.
func v2Name(c string) string {
	if c == blkioV1 {
		return blkioV2
	}
	return c
}

func (m *Manager) set(r *specs.LinuxResources, f files, created ...specs.LinuxDevice) error {
	if r == nil {
		if len(created) == 0 {
			return nil
		}
		r = &specs.LinuxResources{}
	}
	devices, err := planDevices(r.Devices, created)
	if err != nil {
		return err
	}
	if mem := r.Memory; mem != nil && !unset(reflect.ValueOf(mem.Kernel)) {
		// Deprecated by the spec; v1's memory.kmem.limit_in_bytes has
		// limited nothing since Linux 5.4 (6.x takes the write and
		// ignores it) and v2 never had it: nothing to write.
		m.log.Debug("cgroups: ignoring the deprecated linux.resources.memory.kernel")
	}
	if mem := r.Memory; mem != nil && !unset(reflect.ValueOf(mem.KernelTCP)) && m.memoryV2() {
		// planMemory writes it on v1, where the kernel still has
		// memory.kmem.tcp.limit_in_bytes (and skips it where it has
		// not); v2 has no such limit.
		m.log.Debug("cgroups: ignoring the deprecated linux.resources.memory.kernelTCP, which cgroup v2 has no file for")
	}

	var groups []group
	var skipped []string
	for _, c := range controllers {
		key, ok := m.route(c.name)
		steps, err := c.plan(r, key == "unified")
		if err != nil {
			return err
		}
		if len(steps) == 0 {
			continue
		}
		if !ok {
			if m.rootless {
				skipped = append(skipped, c.field)
				continue
			}
			return explainMissing(c.field, c.name,
				fmt.Errorf("%s: no cgroup hierarchy of the container has the %s controller", c.field, c.name))
		}
		name := c.name
		if key == "unified" {
			name = v2Name(name)
		}
		dir := m.Paths[key]
		if !m.owns(dir) {
			return fmt.Errorf("%s: cgroup %q was not created by this runtime, which leaves its limits alone", c.field, dir)
		}
		groups = append(groups, group{controller: name, field: c.field, key: key, v2: key == "unified", steps: steps})
	}
	unified, need, skipUnified, err := m.planUnified(r.Unified, groups)
	if err != nil {
		return err
	}
	if skipUnified {
		skipped = append(skipped, "linux.resources.unified")
	}
	groups = append(groups, need...)
	devTarget, noCgroup, err := m.targetDevices(devices, f)
	if err != nil {
		return err
	}
	if noCgroup {
		skipped = append(skipped, devicesField)
	}
	if len(skipped) > 0 {
		m.log.Warn("cgroups: the container has no cgroup of its own for these limits; they are not applied",
			"fields", slices.Compact(skipped))
	}

	if err := m.enableV2(f, groups); err != nil {
		for _, g := range groups {
			if g.v2 {
				if e := explainMissing(g.field, g.controller, err); e != err {
					return e
				}
			}
		}
		return err
	}
	for i, g := range groups {
		dir := m.Paths[g.key]
		if err := f.check(dir); err != nil {
			return fmt.Errorf("%s: %w", g.field, err)
		}
		if g.controller == blkioV1 || g.controller == blkioV2 {
			if groups[i].steps, err = resolveBlkio(f, dir, g); err != nil {
				return err
			}
			g = groups[i]
		}
		if err := mustExist(f, dir, g.steps); err != nil {
			return err
		}
	}
	if err := unified.check(f); err != nil {
		return err
	}
	for _, g := range groups {
		if err := g.run(f, m.Paths[g.key]); err != nil {
			return err
		}
	}
	if devTarget != nil {
		if err := devTarget.apply(f); err != nil {
			return err
		}
	}
	// Last, so that a raw key the user chose overrides the value a field
	// set (as in runc).
	return unified.run(f)
}

// run makes the writes of g in cgroup dir.
func (g group) run(f files, dir string) error {
	var retry []step
	for _, s := range g.steps {
		if g.controller == "cpuset" && !g.v2 {
			s.file = cpusetName(f, dir, s.file)
		}
		err := s.run(f, dir)
		if s.retryLast && errors.Is(err, unix.EINVAL) {
			retry = append(retry, s)
			continue
		}
		if err != nil {
			return err
		}
	}
	for _, s := range retry {
		if err := s.run(f, dir); err != nil {
			return err
		}
	}
	return nil
}

// mustExist checks that the files of the mustExist writes among steps are
// in dir.
func mustExist(f files, dir string, steps []step) error {
	for _, s := range steps {
		for _, w := range []*write{&s.write, s.then} {
			if w == nil || !w.mustExist {
				continue
			}
			if _, err := f.read(dir, w.file); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s: this kernel has no %s in cgroup %q", w.field, w.file, dir)
			}
		}
	}
	return nil
}

// route returns the hierarchy whose cgroup gets the limits of controller
// c: the v1 hierarchy that carries it, else the unified one. ok is false
// when the manager holds neither, including when the v1 hierarchy that
// carries c was dropped by a rootless Create (the unified hierarchy of a
// hybrid host then cannot have c).
func (m *Manager) route(c string) (key string, ok bool) {
	carries := func(k string) bool { return k != "unified" && slices.Contains(strings.Split(k, ","), c) }
	for _, k := range m.keys() {
		if carries(k) {
			return k, true
		}
	}
	for k := range m.mounts {
		if carries(k) {
			return "", false
		}
	}
	if _, held := m.Paths["unified"]; held {
		return "unified", true
	}
	return "", false
}

// memoryV2 reports whether the memory limits go to a v2 cgroup.
func (m *Manager) memoryV2() bool {
	key, ok := m.route("memory")
	return ok && key == "unified"
}

// owns reports whether Create made cgroup directory dir.
func (m *Manager) owns(dir string) bool { return slices.Contains(m.owned, dir) }

// cpusetName returns the name of a v1 cpuset file in dir: "cpuset.cpus",
// or "cpus" in a hierarchy mounted with -o noprefix.
func cpusetName(f files, dir, name string) string {
	if _, err := f.read(dir, name); err != nil {
		short := strings.TrimPrefix(name, "cpuset.")
		if _, err := f.read(dir, short); err == nil {
			return short
		}
	}
	return name
}

// IsSet reports whether v holds something, by unset's rule: the features
// check judges every spec field the way Set judges resources.
func IsSet(v any) bool { return !unset(reflect.ValueOf(v)) }

// unset reports whether v holds nothing: a nil pointer, an empty slice or
// map, a zero number, false, or a struct of such. Like runc and the
// engines that write specs, Set treats a zero value as "not set": an
// engine writes "blockIO": {} or "shares": 0 to mean "no limit".
func unset(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || unset(v.Elem())
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Struct:
		for i := range v.NumField() {
			if !unset(v.Field(i)) {
				return false
			}
		}
		return true
	default:
		return v.IsZero()
	}
}

// A write puts one value in one cgroup file on behalf of a spec field.
type write struct {
	field    string // e.g. "linux.resources.memory.limit"
	file     string
	value    string
	optional bool // a value the spec implies: skipped where the file does not exist
	// mustExist: a file only some kernels have (cpu.idle, a page size's
	// hugetlb file): its absence is an error found before anything is
	// written, not after half the limits are in.
	mustExist bool
}

func (w write) run(f files, dir string) error {
	err := f.write(dir, w.file, w.value)
	if w.optional && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: set %s: %w", w.field, w.value, err)
	}
	return nil
}

// A step is one write, or two whose order depends on the values the
// cgroup holds now: a v1 memory limit may never exceed the memory+swap
// limit, nor a quota its period's constraints. The pair goes first-then
// when that works; when the kernel refuses the first with EINVAL (the new
// value conflicts with the old partner), the partner is written first.
// Raising both limits needs one order, lowering both the other.
//
// A retryLast step that the kernel refuses with EINVAL is tried again
// after the other steps of its group: its value conflicts with an old one
// a later step replaces (a burst above the old quota).
type step struct {
	write
	then      *write
	retryLast bool
}

func (s step) run(f files, dir string) error {
	err := s.write.run(f, dir)
	if s.then == nil {
		return err
	}
	if err == nil {
		return s.then.run(f, dir)
	}
	if !errors.Is(err, unix.EINVAL) {
		return err
	}
	if err := s.then.run(f, dir); err != nil {
		return err
	}
	return s.write.run(f, dir)
}
