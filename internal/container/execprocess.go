package container

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecOverrides are the command line's changes to the container's process
// for a new process (oci-exec's flags).
type ExecOverrides struct {
	Args           []string
	Env            []string // K=V, replacing the same key
	Cwd            string
	User           string // UID[:GID]
	AdditionalGids []uint32
	Caps           []string // added to the bounding, effective and permitted sets
	NoNewPrivs     bool
	Terminal       bool
}

// ExecProcess builds the process oci-exec runs: the container's own
// process (from its spec as created) with the overrides applied, as runc
// exec does; or, when processJSON is given, that process as it is, with
// only the terminal flag taken from the overrides when set.
func ExecProcess(base *specs.Process, processJSON []byte, o ExecOverrides) (*specs.Process, error) {
	if processJSON != nil {
		var p specs.Process
		if err := json.Unmarshal(processJSON, &p); err != nil {
			return nil, fmt.Errorf("process: %w", err)
		}
		if len(p.Args) == 0 {
			return nil, fmt.Errorf("process: args must not be empty")
		}
		if o.Terminal {
			p.Terminal = true
		}
		if p.Cwd == "" {
			p.Cwd = "/"
		}
		return &p, nil
	}
	p := specs.Process{Cwd: "/"}
	if base != nil {
		// A deep copy, so the container's spec is left alone.
		b, _ := json.Marshal(base)
		json.Unmarshal(b, &p)
	}
	p.Args = o.Args
	p.Terminal = o.Terminal
	p.ConsoleSize = nil
	if len(p.Args) == 0 {
		return nil, fmt.Errorf("no command given")
	}
	for _, kv := range o.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("env %q: want KEY=VALUE", kv)
		}
		p.Env = setEnv(p.Env, k, kv)
	}
	if o.Cwd != "" {
		p.Cwd = o.Cwd
	}
	if o.User != "" {
		u, g, hasGID := strings.Cut(o.User, ":")
		uid, err := strconv.ParseUint(u, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %q: want UID[:GID] as numbers", o.User)
		}
		p.User.UID = uint32(uid)
		if hasGID {
			gid, err := strconv.ParseUint(g, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("user %q: want UID[:GID] as numbers", o.User)
			}
			p.User.GID = uint32(gid)
		}
	}
	if len(o.AdditionalGids) > 0 {
		p.User.AdditionalGids = o.AdditionalGids
	}
	if len(o.Caps) > 0 {
		if p.Capabilities == nil {
			p.Capabilities = &specs.LinuxCapabilities{}
		}
		c := p.Capabilities
		for _, name := range o.Caps {
			name = strings.ToUpper(name)
			if !strings.HasPrefix(name, "CAP_") {
				name = "CAP_" + name
			}
			c.Bounding = appendNew(c.Bounding, name)
			c.Effective = appendNew(c.Effective, name)
			c.Permitted = appendNew(c.Permitted, name)
		}
	}
	if o.NoNewPrivs {
		p.NoNewPrivileges = true
	}
	return &p, nil
}

func setEnv(env []string, key, kv string) []string {
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
