// Package container implements the lifecycle operations the tools call —
// Create, Start, Kill, Delete, Run, Exec and Ps — on top of the state
// store (which answers State itself).
// Each operation locks the container's folder, checks the status the spec
// requires, and on failure leaves nothing behind: no state folder, cgroup,
// mount or process.
package container
