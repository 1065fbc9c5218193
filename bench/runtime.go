package main

import "path/filepath"

// Runtime is one of the command lines compared: ocikit's single tools,
// ocikit's runc-compatible oci-runtime, runc or crun. Each has a state
// root of its own inside the program's temporary directory.
type Runtime struct {
	Name string
	Root string
	// tools is set for ocikit's single tools (the directory holding
	// oci-run, oci-create...); runc-style runtimes use Path instead.
	tools string
	Path  string
}

// Runtime names, in the order of the report's rows.
const (
	Ocikit     = "ocikit"
	OciRuntime = "oci-runtime"
	Runc       = "runc"
	Crun       = "crun"
)

// OcikitTools is ocikit's one-binary-per-step face, with its tools in bin.
func OcikitTools(bin, root string) Runtime {
	return Runtime{Name: Ocikit, Root: root, tools: bin, Path: filepath.Join(bin, "oci-create")}
}

// RuncStyle is a runtime with runc 1.1's command line: runc, crun and
// ocikit's oci-runtime.
func RuncStyle(name, path, root string) Runtime {
	return Runtime{Name: name, Root: root, Path: path}
}

func (r Runtime) tool(name string, args ...string) []string {
	return append([]string{filepath.Join(r.tools, name), "--root", r.Root}, args...)
}

func (r Runtime) sub(cmd string, args ...string) []string {
	return append([]string{r.Path, "--root", r.Root, cmd}, args...)
}

// RunArgs runs the bundle's process to completion and deletes the
// container, in the foreground.
func (r Runtime) RunArgs(id, bundle string) []string {
	if r.tools != "" {
		return r.tool("oci-run", "--bundle", bundle, id)
	}
	return r.sub("run", "--bundle", bundle, id)
}

// CreateArgs creates the container; pidFile may be empty.
func (r Runtime) CreateArgs(id, bundle, pidFile string) []string {
	var extra []string
	if pidFile != "" {
		extra = []string{"--pid-file", pidFile}
	}
	if r.tools != "" {
		return r.tool("oci-create", append(append([]string{"--bundle", bundle}, extra...), id)...)
	}
	return r.sub("create", append(append([]string{"--bundle", bundle}, extra...), id)...)
}

// StartArgs starts a created container.
func (r Runtime) StartArgs(id string) []string {
	if r.tools != "" {
		return r.tool("oci-start", id)
	}
	return r.sub("start", id)
}

// DeleteArgs kills the container if it runs and deletes it.
func (r Runtime) DeleteArgs(id string) []string {
	if r.tools != "" {
		return r.tool("oci-delete", "--force", id)
	}
	return r.sub("delete", "-f", id)
}

// StateArgs prints one container's state.
func (r Runtime) StateArgs(id string) []string {
	if r.tools != "" {
		return r.tool("oci-state", id)
	}
	return r.sub("state", id)
}

// ListArgs lists every container of the root, in the runtime's default
// format (ocikit: one JSON object a line; runc and crun: a table).
func (r Runtime) ListArgs() []string {
	if r.tools != "" {
		return r.tool("oci-state")
	}
	return r.sub("list")
}
