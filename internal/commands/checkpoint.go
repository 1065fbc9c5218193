package commands

import (
	"path/filepath"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// CRIUPath is the criu binary a tool was told to use (its --criu flag, a
// global flag in runc's command line). A tool binds a pointer to its flag
// with kong.Bind, and checkpoint and restore take it as a Run argument.
type CRIUPath string

// CRIUFlags are the criu settings of checkpoint and restore, named as
// runc names them.
type CRIUFlags struct {
	ImagePath         string `help:"Directory of the checkpoint's images (default: ./checkpoint)." placeholder:"DIR"`
	WorkPath          string `help:"Directory for criu's logs and work files (default: the image directory)." placeholder:"DIR"`
	TCPEstablished    bool   `name:"tcp-established" help:"Save and restore established TCP connections."`
	ExtUnixSk         bool   `name:"ext-unix-sk" help:"Allow unix sockets whose peer is outside the container."`
	ShellJob          bool   `help:"The container's processes belong to a session or terminal outside it."`
	FileLocks         bool   `help:"Save and restore file locks."`
	ManageCgroupsMode string `name:"manage-cgroups-mode" help:"criu's cgroup mode: soft, full, strict or ignore." enum:"soft,full,strict,ignore" default:"soft"`
}

func (f *CRIUFlags) options(bin *CRIUPath) (container.CRIUOptions, error) {
	img := f.ImagePath
	if img == "" {
		img = "checkpoint"
	}
	img, err := filepath.Abs(img)
	if err != nil {
		return container.CRIUOptions{}, cli.Usagef("--image-path: %v", err)
	}
	work := f.WorkPath
	if work != "" {
		if work, err = filepath.Abs(work); err != nil {
			return container.CRIUOptions{}, cli.Usagef("--work-path: %v", err)
		}
	}
	o := container.CRIUOptions{
		ImagePath: img, WorkPath: work,
		TCPEstablished: f.TCPEstablished, ExtUnixSk: f.ExtUnixSk, ShellJob: f.ShellJob,
		FileLocks: f.FileLocks, ManageCgroups: f.ManageCgroupsMode,
	}
	if bin != nil {
		o.CRIU = string(*bin)
	}
	return o, nil
}

// Checkpoint saves a running container with criu.
type Checkpoint struct {
	CRIUFlags
	LeaveRunning bool   `help:"Leave the container running after the checkpoint (otherwise it is stopped and deleted)."`
	ID           string `arg:"" help:"Container ID."`
}

func (c *Checkpoint) Run(e *cli.Env, bin *CRIUPath) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	o, err := c.options(bin)
	if err != nil {
		return err
	}
	return container.Checkpoint(&container.CheckpointOptions{
		CRIUOptions: o, Store: store, ID: c.ID, LeaveRunning: c.LeaveRunning, Log: e.Log,
	})
}
