// Package resctrl places a container in an Intel RDT (resctrl) group, as
// the spec's linux.intelRdt asks: it finds the resctrl mount, creates or
// finds the CTRL_MON group named by closID (the container's ID when
// unset), writes l3CacheSchema, memBwSchema and schemata there in that
// order, or compares them with an existing group's, creates the
// container's MON group under mon_groups when monitoring is enabled, and
// writes the process to the group's tasks.
//
// Removal takes away only what Apply created: the MON group always (it
// is named after the container), the CTRL_MON group only when closID was
// unset. A group named by closID may be shared with other containers or
// set up by the administrator, and is never removed.
//
// The root is a parameter, so the whole package runs on a fake tree in
// tests; FindRoot finds the real one in the runtime's mount namespace.
package resctrl
