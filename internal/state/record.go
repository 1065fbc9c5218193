package state

import (
	"encoding/json"
	"time"
)

// Status values, as the OCI runtime spec defines them.
const (
	Creating = "creating"
	Created  = "created"
	Running  = "running"
	Paused   = "paused"
	Stopped  = "stopped"
)

// Record is what state.json holds: the OCI state of the container plus
// what the runtime needs to find and clean up after it.
type Record struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid,omitempty"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Created     time.Time         `json:"created"`

	// InitStartTime is field 22 of /proc/PID/stat of the init, so a pid
	// reused by an unrelated process is not mistaken for the container.
	InitStartTime uint64 `json:"initStartTime,omitempty"`
	// Started is set once the user program has been exec'd.
	Started bool `json:"started,omitempty"`
	// Paused is set while oci-pause holds the container's cgroup frozen.
	// Only the runtime freezes the cgroups it made, under the container's
	// lock, so the flag is the truth and reading it costs no cgroup file
	// on every state call.
	Paused bool `json:"paused,omitempty"`
	// Cgroup is the cgroups package's saved manager state.
	Cgroup json.RawMessage `json:"cgroup,omitempty"`
	// Owner is the euid that created the container.
	Owner int `json:"owner"`
	// Rootless is set when the container runs in a user namespace made by
	// an unprivileged user.
	Rootless bool `json:"rootless,omitempty"`
	// UserNS is the block of host ids the runtime gave the container for
	// an automatic user namespace (annotation org.ocikit.userns=auto).
	// The allocator's own record is the folder's userns file; this copy
	// shows it in the state.
	UserNS *IDRange `json:"userns,omitempty"`
}

// IDRange is a block of Size host uids starting at UID and Size host gids
// starting at GID, mapped to ids 0..Size-1 of a container.
type IDRange struct {
	UID  uint32 `json:"uid"`
	GID  uint32 `json:"gid"`
	Size uint32 `json:"size"`
}

// Status derives the container's status from the record and the live
// process table.
func (r *Record) Status() string {
	if r.Pid == 0 {
		return Creating
	}
	if !Alive(r.Pid, r.InitStartTime) {
		return Stopped
	}
	if r.Started && r.Paused {
		// A frozen init is alive; a paused container killed with SIGKILL
		// on cgroup v2 dies frozen and is stopped above.
		return Paused
	}
	if r.Started {
		return Running
	}
	return Created
}

// View is the state printed by the tools: the OCI state (ociVersion, id,
// status, pid, bundle, annotations) plus created and rootfs.
type View struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid,omitempty"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs,omitempty"`
	Created     *time.Time        `json:"created,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// UserNS is the block of host ids of an automatic user namespace.
	UserNS *IDRange `json:"userns,omitempty"`
}

// View returns the printable state. A stopped container shows no pid,
// as runc does: the number may already belong to another process.
func (r *Record) View() View {
	v := View{
		OCIVersion:  r.OCIVersion,
		ID:          r.ID,
		Status:      r.Status(),
		Pid:         r.Pid,
		Bundle:      r.Bundle,
		Rootfs:      r.Rootfs,
		Annotations: r.Annotations,
		UserNS:      r.UserNS,
	}
	if !r.Created.IsZero() {
		c := r.Created
		v.Created = &c
	}
	if v.Status == Stopped {
		v.Pid = 0
	}
	return v
}
