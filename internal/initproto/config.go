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
	// ExeFD is the runtime's own executable, opened by the runtime: the
	// init execs it (the waiter role, package waiter) to wait for the
	// start with one small process instead of a Go runtime. 0: none.
	ExeFD int `json:"exeFD,omitempty"`
	// StartsAtOnce: the runtime starts the container as soon as it is
	// created (oci-run), so the init waits for the start itself: the
	// waiter (ExeFD) would only add an exec.
	StartsAtOnce bool `json:"startsAtOnce,omitempty"`
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
	// HookState is the container's state as the hooks the init runs
	// read it (createContainer, startContainer), their status and pid
	// aside: the init fills in its own pid, as the container sees it.
	// Set only when the spec has such hooks.
	HookState *specs.State `json:"hookState,omitempty"`
	// IDMapped are the id-mapped mounts the runtime made: detached
	// mount trees (open_tree) already given their id mapping, inherited
	// by the init, which moves each onto its destination instead of
	// binding the source. The runtime makes them because setting the
	// mapping takes CAP_SYS_ADMIN over the filesystem, which the init,
	// in its user namespace, does not have.
	IDMapped []IDMappedMount `json:"idmapped,omitempty"`
}

// IDMappedRoot is the IDMappedMount.Index of the root filesystem.
const IDMappedRoot = -1

// IDMappedMount is one id-mapped mount tree handed to the init.
type IDMappedMount struct {
	// Index is the mount's index in spec.mounts, or IDMappedRoot.
	Index int `json:"index"`
	// Dest is the destination, for error messages and as a check that
	// the tree goes where the runtime meant it to.
	Dest string `json:"dest"`
	// FD is the tree's descriptor in the init.
	FD int `json:"fd"`
	// Unmapped: the kernel could not id-map the tree (only ever the
	// root filesystem, whose mapping the userns annotation implies): the
	// init closes it and binds the source as usual.
	Unmapped bool `json:"unmapped,omitempty"`
}

// Reply is a message of the init to the runtime. The last one in answer
// to the Config says ready, or holds an error with the operation and path
// it concerns; before it may come log records and one request to run the
// runtime's hooks.
type Reply struct {
	Ready bool   `json:"ready,omitempty"`
	Error string `json:"error,omitempty"`
	Op    string `json:"op,omitempty"`
	Path  string `json:"path,omitempty"`
	// RunHooks asks the runtime to run the spec's prestart and
	// createRuntime hooks now, in its own namespaces: the container's
	// namespaces exist, its mounts are made and pivot_root comes next.
	// The init waits for a HooksDone. It is sent only when the spec has
	// such hooks.
	RunHooks bool `json:"runHooks,omitempty"`
	// Log is a message for the runtime's log: a line of output of a hook
	// the init runs.
	Log *LogRecord `json:"log,omitempty"`
}

// HooksDone is the runtime's answer to a RunHooks request: the hooks ran,
// or the error of the one that failed (the init then gives up, and the
// runtime kills it anyway).
type HooksDone struct {
	Error string `json:"error,omitempty"`
}

// StartRequest is the line oci-start writes on the start socket. The init
// answers with Replies: log records of its startContainer hooks, then an
// error if a hook or the exec failed. The connection is close-on-exec, so
// EOF after no error means the program was exec'd.
const StartRequest = "start\n"

// EnvHold marks the user namespace holder: a process of the runtime's
// binary started in a new user namespace only so that the runtime can
// open it (an id-mapped mount with mappings of its own). The nsenter
// constructor sees it first and waits, before any Go code runs, until its
// stdin is closed.
const EnvHold = "_OCIKIT_HOLD"
