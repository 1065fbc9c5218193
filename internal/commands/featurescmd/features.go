package featurescmd

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/ocikit/ocikit/internal/caps"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/rootfs"
	"github.com/ocikit/ocikit/internal/seccomp"
)

// Features prints what this runtime supports, as the runtime-spec's
// features document describes it (runc features).
type Features struct{}

func (c *Features) Run(e *cli.Env) error {
	yes, no := true, false
	// The seccomp names come from the plain-Go half of the seccomp
	// package, so this command links no libseccomp (and does not report
	// the library's version); the flags are those the kernel accepts.
	sc := &features.Seccomp{
		Enabled:        &yes,
		Actions:        seccomp.Actions(),
		Operators:      seccomp.Operators(),
		Archs:          seccomp.Archs(),
		KnownFlags:     seccomp.KnownFlags(),
		SupportedFlags: seccomp.SupportedFlags(),
	}
	f := features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         hookNames(),
		MountOptions:  rootfs.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"},
			Capabilities: caps.Names(),
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: &no},
			Seccomp:      sc,
			Apparmor:     &features.Apparmor{Enabled: &no},
			Selinux:      &features.Selinux{Enabled: &no},
			IntelRdt:     &features.IntelRdt{Enabled: &no},
			MountExtensions: &features.MountExtensions{
				IDMap: &features.IDMap{Enabled: &no},
			},
		},
		Annotations: map[string]string{"io.github.ocikit.version": cli.Version},
	}
	b, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
	return err
}

// hookNames lists the hook kinds this runtime runs, as config.json names
// them.
func hookNames() []string {
	var names []string
	for _, k := range hooks.Kinds() {
		names = append(names, string(k))
	}
	return names
}
