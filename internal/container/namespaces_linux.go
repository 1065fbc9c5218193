package container

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/initproto"
)

// nsPlan is the namespace part of a spawn: what to create, what to join.
type nsPlan struct {
	cloneFlags uintptr
	joins      []*os.File // opened namespace files, in spec order
	joinTypes  []uintptr
	newUser    bool
	userNS     bool // the container has a user namespace, new or joined
	cgroupNS   bool // the container has a new cgroup namespace
	mountNS    bool // the container has a mount namespace, new or joined
	timeOffs   map[string][2]int64
}

func (p *nsPlan) close() {
	for _, f := range p.joins {
		f.Close()
	}
}

// planNamespaces reads linux.namespaces. Namespace files to join are
// opened here, by the runtime, so a bad path is reported before any
// process exists, and each is checked to really be a namespace of the
// declared type (NS_GET_NSTYPE).
func planNamespaces(s *specs.Spec) (*nsPlan, error) {
	p := &nsPlan{}
	hasMount := false
	for _, ns := range s.Linux.Namespaces {
		flag, err := initproto.CloneFlag(string(ns.Type))
		if err != nil {
			p.close()
			return nil, cerr.Op("namespace", ns.Path, err)
		}
		if ns.Type == specs.MountNamespace {
			hasMount = true
		}
		if ns.Type == specs.UserNamespace {
			p.userNS = true
		}
		if ns.Path == "" {
			p.cloneFlags |= flag
			if ns.Type == specs.UserNamespace {
				p.newUser = true
			}
			if ns.Type == specs.CgroupNamespace {
				p.cgroupNS = true
			}
			continue
		}
		f, err := os.OpenFile(ns.Path, os.O_RDONLY, 0)
		if err != nil {
			p.close()
			return nil, cerr.Op("open "+string(ns.Type)+" namespace", ns.Path, reason(err))
		}
		if t, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE); err != nil || uintptr(t) != flag {
			f.Close()
			p.close()
			if err == nil {
				err = fmt.Errorf("not a %s namespace", ns.Type)
			}
			return nil, cerr.Op("open "+string(ns.Type)+" namespace", ns.Path, err)
		}
		p.joins = append(p.joins, f)
		p.joinTypes = append(p.joinTypes, flag)
	}
	p.mountNS = hasMount
	if len(s.Linux.TimeOffsets) > 0 {
		if p.cloneFlags&unix.CLONE_NEWTIME == 0 {
			p.close()
			return nil, cerr.Op("namespace", "", errors.New("linux.timeOffsets needs a new time namespace"))
		}
		p.timeOffs = map[string][2]int64{}
		for clock, o := range s.Linux.TimeOffsets {
			if clock != "monotonic" && clock != "boottime" {
				p.close()
				return nil, cerr.Op("namespace", "", fmt.Errorf("linux.timeOffsets: unknown clock %q", clock))
			}
			p.timeOffs[clock] = [2]int64{o.Secs, int64(o.Nanosecs)}
		}
	}
	return p, nil
}
