package initproto

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config is what the runtime sends the init once its namespaces exist.
type Config struct {
	ID      string      `json:"id"`
	Spec    *specs.Spec `json:"spec"`
	Rootfs  string      `json:"rootfs"`
	NoPivot bool        `json:"noPivot,omitempty"`
	UserNS  bool        `json:"userns,omitempty"`
	// NoMountNS: the spec lists no mount namespace, so the container
	// inherits the runtime's, where nothing may be mounted: the init
	// only chroots into the root filesystem, as runc does.
	NoMountNS   bool              `json:"noMountNS,omitempty"`
	CgroupNS    bool              `json:"cgroupns,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	// StartFD is the listening start socket; ConsoleFD the connected
	// console socket the pty master is sent over (-1: none).
	StartFD   int `json:"startFD"`
	ConsoleFD int `json:"consoleFD"`
	// PreserveFDs is how many fds from 3 up the user program inherits.
	PreserveFDs int `json:"preserveFDs,omitempty"`
	// NewKeyring gives the container a session keyring of its own, so
	// keys the host's session holds are not reachable from it.
	NewKeyring bool `json:"newKeyring,omitempty"`
	// Exec marks the exec role: a new process joining a running
	// container. Only Spec.Process, ConsoleFD and PreserveFDs apply; the
	// process execs at once and the runtime reads EOF on the socket when
	// it did (the socket is close-on-exec) or a Reply with the error.
	Exec bool `json:"exec,omitempty"`
}

// Reply is the init's answer to its Config: ready, or an error with the
// operation and path it concerns.
type Reply struct {
	Ready bool   `json:"ready,omitempty"`
	Error string `json:"error,omitempty"`
	Op    string `json:"op,omitempty"`
	Path  string `json:"path,omitempty"`
}

// StartRequest is the line oci-start writes on the start socket.
const StartRequest = "start\n"
