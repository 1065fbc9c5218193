package commands

import (
	"bytes"
	"encoding/json"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// Update changes the resource limits of a created or running container.
// Every value is a string parsed here, so a bad one is a usage error
// naming the flag before the container is even looked at.
type Update struct {
	Resources         string `short:"r" placeholder:"FILE" help:"Read a runtime-spec LinuxResources object from FILE, or from stdin with -; the options below override its fields."`
	Memory            string `placeholder:"SIZE" help:"Memory limit in bytes, or with a suffix k, m, g, t (powers of 1024); -1 for unlimited."`
	MemoryReservation string `placeholder:"SIZE" help:"Memory soft limit (reservation), as --memory."`
	MemorySwap        string `placeholder:"SIZE" help:"Memory plus swap limit, as --memory; -1 for unlimited swap."`
	CPUShares         string `name:"cpu-shares" aliases:"cpu-share" placeholder:"N" help:"CPU shares, the weight against other cgroups."`
	CPUQuota          string `name:"cpu-quota" placeholder:"N" help:"CFS quota in microseconds per period; -1 for none."`
	CPUPeriod         string `name:"cpu-period" placeholder:"N" help:"CFS period in microseconds."`
	CPURtRuntime      string `name:"cpu-rt-runtime" placeholder:"N" help:"Realtime runtime in microseconds per realtime period."`
	CPURtPeriod       string `name:"cpu-rt-period" placeholder:"N" help:"Realtime period in microseconds."`
	CpusetCpus        string `name:"cpuset-cpus" placeholder:"LIST" help:"CPUs the container may run on, e.g. 0-2,4."`
	CpusetMems        string `name:"cpuset-mems" placeholder:"LIST" help:"Memory nodes the container may use, e.g. 0."`
	PidsLimit         string `name:"pids-limit" placeholder:"N" help:"Maximum number of processes; -1 for unlimited."`
	BlkioWeight       string `name:"blkio-weight" placeholder:"N" help:"Block I/O weight, 10 to 1000 (blockIO.weight; converted for io.weight on cgroup v2 without BFQ)."`
	KernelMemory      string `name:"kernel-memory" placeholder:"SIZE" help:"Kernel memory limit (runc's flag; ignored with a warning: the kernel no longer has it)."`
	KernelMemoryTCP   string `name:"kernel-memory-tcp" placeholder:"SIZE" help:"Kernel TCP memory limit (runc's flag; ignored with a warning)."`
	ID                string `arg:"" help:"Container ID."`
}

func (c *Update) Run(e *cli.Env) error {
	r, err := c.resources(e.Stdin)
	if err != nil {
		return err
	}
	if c.KernelMemory != "" || c.KernelMemoryTCP != "" {
		e.Log.Warn("--kernel-memory and --kernel-memory-tcp are ignored: kernel memory limits are gone from the kernel since 5.4", "container", c.ID)
	}
	if empty(r) {
		return cli.Usagef("nothing to update: give --resources or at least one limit")
	}
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	return container.Update(store, c.ID, r)
}

// resources reads --resources, if given, and puts the flags over it.
func (c *Update) resources(stdin io.Reader) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	if c.Resources != "" {
		var err error
		if r, err = readResources(c.Resources, stdin); err != nil {
			return nil, err
		}
	}
	if err := c.apply(r); err != nil {
		return nil, err
	}
	return r, nil
}

// apply sets the fields the flags give.
func (c *Update) apply(r *specs.LinuxResources) error {
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	sizes := []struct {
		flag, value string
		dst         func() **int64
	}{
		{"--memory", c.Memory, func() **int64 { return &mem().Limit }},
		{"--memory-reservation", c.MemoryReservation, func() **int64 { return &mem().Reservation }},
		{"--memory-swap", c.MemorySwap, func() **int64 { return &mem().Swap }},
	}
	for _, s := range sizes {
		if s.value == "" {
			continue
		}
		n, err := parseSize(s.flag, s.value)
		if err != nil {
			return err
		}
		*s.dst() = &n
	}
	unsigned := []struct {
		flag, value string
		dst         func() **uint64
	}{
		{"--cpu-shares", c.CPUShares, func() **uint64 { return &cpu().Shares }},
		{"--cpu-period", c.CPUPeriod, func() **uint64 { return &cpu().Period }},
		{"--cpu-rt-period", c.CPURtPeriod, func() **uint64 { return &cpu().RealtimePeriod }},
	}
	for _, u := range unsigned {
		if u.value == "" {
			continue
		}
		n, err := parseUint(u.flag, u.value)
		if err != nil {
			return err
		}
		*u.dst() = &n
	}
	signed := []struct {
		flag, value string
		dst         func() **int64
	}{
		{"--cpu-quota", c.CPUQuota, func() **int64 { return &cpu().Quota }},
		{"--cpu-rt-runtime", c.CPURtRuntime, func() **int64 { return &cpu().RealtimeRuntime }},
		{"--pids-limit", c.PidsLimit, func() **int64 {
			if r.Pids == nil {
				r.Pids = &specs.LinuxPids{}
			}
			return &r.Pids.Limit
		}},
	}
	for _, s := range signed {
		if s.value == "" {
			continue
		}
		n, err := parseLimit(s.flag, s.value)
		if err != nil {
			return err
		}
		*s.dst() = &n
	}
	if c.CpusetCpus != "" {
		if err := checkList("--cpuset-cpus", c.CpusetCpus); err != nil {
			return err
		}
		cpu().Cpus = c.CpusetCpus
	}
	if c.CpusetMems != "" {
		if err := checkList("--cpuset-mems", c.CpusetMems); err != nil {
			return err
		}
		cpu().Mems = c.CpusetMems
	}
	if c.BlkioWeight != "" {
		n, err := parseUint("--blkio-weight", c.BlkioWeight)
		if err != nil {
			return err
		}
		if n > 0xffff {
			return cli.Usagef("--blkio-weight: %d is out of range", n)
		}
		w := uint16(n)
		if r.BlockIO == nil {
			r.BlockIO = &specs.LinuxBlockIO{}
		}
		r.BlockIO.Weight = &w
	}
	return nil
}

// readResources decodes a LinuxResources object from path, or stdin for
// "-". Unknown fields are refused: a misspelt limit silently dropped
// would leave the container without it.
func readResources(path string, stdin io.Reader) (*specs.LinuxResources, error) {
	var b []byte
	var err error
	name := path
	if path == "-" {
		name = "standard input"
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, cli.Usagef("--resources: %v", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var r specs.LinuxResources
	if err := d.Decode(&r); err != nil {
		return nil, cli.Usagef("--resources: %s: %v", name, err)
	}
	if d.More() {
		return nil, cli.Usagef("--resources: %s: more than one JSON value", name)
	}
	return &r, nil
}

// empty says whether r changes nothing.
func empty(r *specs.LinuxResources) bool {
	b, err := json.Marshal(r)
	return err == nil && string(b) == "{}"
}
