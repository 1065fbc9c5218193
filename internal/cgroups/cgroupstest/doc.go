// Package cgroupstest holds what the tests of package cgroups and of its
// device-program package both need on a real host: a shell that tries the
// devices a rule set allows or denies, and the removal of a test's cgroup
// tree. It takes a function to move a process in rather than a Manager,
// so that package cgroups' own tests can use it without an import cycle.
// Only tests import it.
package cgroupstest
