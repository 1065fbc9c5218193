package process

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Modes and mode flags of set_mempolicy(2) (linux/mempolicy.h); x/sys
// does not export them.
const (
	mpolDefault            = 0
	mpolPreferred          = 1
	mpolBind               = 2
	mpolInterleave         = 3
	mpolLocal              = 4
	mpolPreferredMany      = 5 // Linux 5.15
	mpolWeightedInterleave = 6 // Linux 6.9

	mpolFNumaBalancing = 1 << 13
	mpolFRelativeNodes = 1 << 14
	mpolFStaticNodes   = 1 << 15

	// mpolFMemsAllowed asks get_mempolicy for the nodes the caller may use.
	mpolFMemsAllowed = 1 << 2
)

var mpolModes = map[specs.MemoryPolicyModeType]int{
	specs.MpolDefault:            mpolDefault,
	specs.MpolPreferred:          mpolPreferred,
	specs.MpolBind:               mpolBind,
	specs.MpolInterleave:         mpolInterleave,
	specs.MpolLocal:              mpolLocal,
	specs.MpolPreferredMany:      mpolPreferredMany,
	specs.MpolWeightedInterleave: mpolWeightedInterleave,
}

var mpolFlags = map[specs.MemoryPolicyFlagType]int{
	specs.MpolFNumaBalancing: mpolFNumaBalancing,
	specs.MpolFRelativeNodes: mpolFRelativeNodes,
	specs.MpolFStaticNodes:   mpolFStaticNodes,
}

// maxNodes bounds the node numbers taken from a spec: the kernel refuses
// a mask longer than a page of bits, and no machine has more nodes.
const maxNodes = 4096

// memPolicy is the spec's memory policy as set_mempolicy's arguments.
type memPolicy struct {
	mode  int // mode | flags
	nodes []uint64
}

// parseMemPolicy checks mp and builds the system call's arguments. Every
// error names the field it is about.
func parseMemPolicy(mp *specs.LinuxMemoryPolicy) (memPolicy, error) {
	mode, ok := mpolModes[mp.Mode]
	if !ok {
		return memPolicy{}, fmt.Errorf("linux.memoryPolicy.mode: unknown mode %q", mp.Mode)
	}
	for i, f := range mp.Flags {
		v, ok := mpolFlags[f]
		if !ok {
			return memPolicy{}, fmt.Errorf("linux.memoryPolicy.flags[%d]: unknown flag %q", i, f)
		}
		mode |= v
	}
	nodes, err := parseNodeList(mp.Nodes)
	if err != nil {
		return memPolicy{}, fmt.Errorf("linux.memoryPolicy.nodes: %w", err)
	}
	// The kernel answers a bare EINVAL for these; say which rule.
	switch m := mode &^ (mpolFNumaBalancing | mpolFRelativeNodes | mpolFStaticNodes); {
	case (m == mpolDefault || m == mpolLocal) && nodes != nil:
		return memPolicy{}, fmt.Errorf("linux.memoryPolicy.nodes: %s takes no nodes, got %q", mp.Mode, mp.Nodes)
	case (m == mpolBind || m == mpolInterleave || m == mpolPreferredMany || m == mpolWeightedInterleave) && nodes == nil:
		return memPolicy{}, fmt.Errorf("linux.memoryPolicy.nodes: %s needs at least one node", mp.Mode)
	}
	return memPolicy{mode: mode, nodes: nodes}, nil
}

// parseNodeList reads "0-3,7" into a node bitmask, nil when s is empty.
func parseNodeList(s string) ([]uint64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var mask []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := nodeNumber(lo)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		last := first
		if isRange {
			if last, err = nodeNumber(hi); err != nil {
				return nil, fmt.Errorf("%q: %w", part, err)
			}
			if last < first {
				return nil, fmt.Errorf("%q: range ends before it starts", part)
			}
		}
		for n := first; n <= last; n++ {
			for len(mask) <= n/64 {
				mask = append(mask, 0)
			}
			mask[n/64] |= 1 << (n % 64)
		}
	}
	return mask, nil
}

func nodeNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a node number: %q", s)
	}
	if n >= maxNodes {
		return 0, fmt.Errorf("node %d is beyond %d", n, maxNodes-1)
	}
	return n, nil
}

// nodeListString writes a mask back as a node list ("0,2").
func nodeListString(mask []uint64) string {
	var out []string
	for i, w := range mask {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, strconv.Itoa(i*64+b))
			w &^= 1 << b
		}
	}
	return strings.Join(out, ",")
}

// SetMemoryPolicy sets the NUMA memory policy of the calling thread, when
// mp is set. The policy is per thread and survives execve: the init sets
// it on the locked thread that execs the program, which then allocates by
// it, as do the children it forks.
//
// Nodes outside the ones this thread may use (not online, or not in its
// cpuset) are refused by name before the call, from get_mempolicy's
// MPOL_F_MEMS_ALLOWED, which needs no file: after pivot_root, /sys is
// the container's. Relative and static node flags are left to the
// kernel, since they take node numbers that need not be online.
func SetMemoryPolicy(mp *specs.LinuxMemoryPolicy) error {
	if mp == nil {
		return nil
	}
	pol, err := parseMemPolicy(mp)
	if err != nil {
		return err
	}
	if pol.mode&(mpolFRelativeNodes|mpolFStaticNodes) == 0 && pol.nodes != nil {
		allowed, err := allowedNodes()
		if err != nil {
			return fmt.Errorf("linux.memoryPolicy.nodes: %w", err)
		}
		if extra := maskMinus(pol.nodes, allowed); extra != nil {
			return fmt.Errorf("linux.memoryPolicy.nodes: node %s not online or not allowed here (allowed: %s)",
				nodeListString(extra), nodeListString(allowed))
		}
	}
	var ptr unsafe.Pointer
	if len(pol.nodes) > 0 {
		ptr = unsafe.Pointer(&pol.nodes[0])
	}
	// maxnode counts one more than the bits passed: the kernel has always
	// read one bit fewer than it is told.
	maxnode := uintptr(len(pol.nodes)*64 + 1)
	_, _, e := unix.RawSyscall(unix.SYS_SET_MEMPOLICY, uintptr(pol.mode), uintptr(ptr), maxnode)
	if e == 0 {
		return nil
	}
	base := pol.mode &^ (mpolFNumaBalancing | mpolFRelativeNodes | mpolFStaticNodes)
	if errors.Is(e, unix.EINVAL) && base >= mpolPreferredMany {
		// Older kernels know fewer modes and say EINVAL (6.1 has no
		// weighted interleave, before 5.15 no preferred-many).
		return fmt.Errorf("linux.memoryPolicy.mode: %s is not supported by this kernel, or not with these flags (%w)", mp.Mode, e)
	}
	return fmt.Errorf("linux.memoryPolicy: set_mempolicy %s flags %v nodes %q: %w", mp.Mode, mp.Flags, mp.Nodes, e)
}

// allowedNodes returns the nodes the calling thread may allocate from.
func allowedNodes() ([]uint64, error) {
	mask := make([]uint64, maxNodes/64)
	_, _, e := unix.RawSyscall6(unix.SYS_GET_MEMPOLICY, 0, uintptr(unsafe.Pointer(&mask[0])),
		uintptr(maxNodes), 0, mpolFMemsAllowed, 0)
	if e != 0 {
		return nil, fmt.Errorf("get_mempolicy MPOL_F_MEMS_ALLOWED: %w", e)
	}
	return mask, nil
}

// maskMinus returns the bits of a not in b, nil when there are none.
func maskMinus(a, b []uint64) []uint64 {
	var out []uint64
	for i, w := range a {
		if i < len(b) {
			w &^= b[i]
		}
		if w != 0 {
			for len(out) <= i {
				out = append(out, 0)
			}
			out[i] = w
		}
	}
	return out
}
