// Package cgroups places a container's processes in a cgroup of its own and
// removes it again, on cgroup v1, v2 and hybrid hosts. It discovers the
// hierarchies from /proc/self/mountinfo and never writes to, moves or
// removes a cgroup it did not create. Resource limits come later; a
// default spec's linux.resources is accepted and not applied.
package cgroups
