package cgroups

import "fmt"

// deviceTarget is a device plan ready for the cgroup it goes to: v1
// writes, or the policy of a v2 device program.
type deviceTarget struct {
	dir    string
	v2     bool
	v1     *v1Writes
	policy *DevicePolicy
}

// targetDevices decides where and how plan p is applied, reading and
// checking everything first; it writes nothing. It returns nil when
// nothing is to be applied: no plan, or a cgroup the runtime may not or
// will not change. noCgroup reports a rootless runtime that has no
// cgroup for the devices, for Set's one warning about such limits.
func (m *Manager) targetDevices(p *devicePlan, f files) (t *deviceTarget, noCgroup bool, err error) {
	if p == nil {
		return nil, false, nil
	}
	// The v1 devices controller where there is one; else the unified
	// hierarchy, whose device programs need no controller (this includes
	// a hybrid host's unified hierarchy without controllers).
	key, ok := m.route("devices")
	switch {
	case !ok && m.rootless:
		return nil, true, nil
	case !ok:
		return nil, false, fmt.Errorf("%s: the container has no cgroup with the v1 devices controller, nor a cgroup v2 one", devicesField)
	case m.rootless:
		// Both versions want the host's root for device rules: v1's
		// devices.allow and devices.deny need CAP_SYS_ADMIN, v2's programs
		// CAP_BPF, in the initial user namespace. Nothing to warn about:
		// no rootless runtime can, and the container's user namespace
		// keeps it from the devices its user may not open anyway.
		m.log.Debug("cgroups: a rootless runtime may not set device rules; linux.resources.devices is not applied")
		return nil, false, nil
	}
	dir := m.Paths[key]
	if !m.owns(dir) {
		// Every default spec has device rules, so refusing them would
		// refuse to join any prepared cgroup; its rules are its owner's.
		m.log.Warn("cgroups: the container's cgroup was not created by this runtime, which leaves its device rules alone; linux.resources.devices is not applied",
			"path", dir)
		return nil, false, nil
	}
	if err := f.check(dir); err != nil {
		return nil, false, fmt.Errorf("%s: %w", devicesField, err)
	}
	t = &deviceTarget{dir: dir, v2: key == "unified"}
	if t.v2 {
		// Refused here, before any limit is written, rather than after
		// the other controllers' writes.
		if err := f.canAttach(); err != nil {
			return nil, false, fmt.Errorf("%s: %w", devicesField, err)
		}
		t.policy = p.policy()
		return t, false, nil
	}
	if t.v1, err = p.prepareV1(f, dir); err != nil {
		return nil, false, err
	}
	return t, false, nil
}

func (t *deviceTarget) apply(f files) error {
	if t.v2 {
		return f.attach(t.dir, t.policy)
	}
	return t.v1.run(f, t.dir)
}
