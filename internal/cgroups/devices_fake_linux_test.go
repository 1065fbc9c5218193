package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// fakeDevcg plays the kernel's v1 devices cgroup for fakeFiles, written
// from security/device_cgroup.c (devcgroup_update_access) independently
// of v1Devices, which it checks: a default behaviour and exceptions; "a"
// resets both; a rule against the behaviour adds an exception (merging
// access into one with the same type and numbers), a rule with it
// subtracts access from the exception with exactly the same type and
// numbers. It keeps devices.list up to date in the directory.
type fakeDevcg struct {
	allowAll bool
	excs     [][4]string // type, major, minor, access ("rwm" order)
	ignore   func(file, value string) bool
}

func (f *fakeFiles) writeDevices(dir, name, value string) error {
	if f.devcg == nil {
		f.devcg = map[string]*fakeDevcg{}
	}
	c := f.devcg[dir]
	if c == nil {
		list, err := readFile(dir, "devices.list")
		if err != nil {
			return err
		}
		c = &fakeDevcg{allowAll: list == "a *:* rwm"}
		for _, l := range strings.Split(list, "\n") {
			if fs := strings.Fields(l); len(fs) == 3 && fs[0] != "a" {
				mm := strings.Split(fs[1], ":")
				c.excs = append(c.excs, [4]string{fs[0], mm[0], mm[1], fs[2]})
			}
		}
		f.devcg[dir] = c
	}
	if c.ignore != nil && c.ignore(name, value) {
		return nil
	}
	allow := name == "devices.allow"
	if value[0] == 'a' {
		c.allowAll, c.excs = allow, nil
	} else {
		var t, acc string
		var mm string
		if _, err := fmt.Sscanf(value, "%s %s %s", &t, &mm, &acc); err != nil {
			return fmt.Errorf("write %q: %w", filepath.Join(dir, name), unix.EINVAL)
		}
		nums := strings.Split(mm, ":")
		i := slices.IndexFunc(c.excs, func(e [4]string) bool { return e[0] == t && e[1] == nums[0] && e[2] == nums[1] })
		switch {
		case allow != c.allowAll && i >= 0:
			c.excs[i][3] = accString(c.excs[i][3] + acc)
		case allow != c.allowAll:
			c.excs = append(c.excs, [4]string{t, nums[0], nums[1], accString(acc)})
		case i >= 0:
			left := strings.Map(func(r rune) rune {
				if strings.ContainsRune(acc, r) {
					return -1
				}
				return r
			}, c.excs[i][3])
			if c.excs[i][3] = left; left == "" {
				c.excs = slices.Delete(c.excs, i, i+1)
			}
		}
	}
	var b strings.Builder
	if c.allowAll {
		b.WriteString("a *:* rwm\n")
	} else {
		for _, e := range c.excs {
			fmt.Fprintf(&b, "%s %s:%s %s\n", e[0], e[1], e[2], e[3])
		}
	}
	return os.WriteFile(filepath.Join(dir, "devices.list"), []byte(b.String()), 0o644)
}

// accString orders and dedups access letters the way the kernel prints
// them.
func accString(s string) string {
	var out string
	for _, c := range "rwm" {
		if strings.ContainsRune(s, c) {
			out += string(c)
		}
	}
	return out
}

func (f *fakeFiles) canAttach() error {
	if f.noProgrammer {
		return errNoProgrammer
	}
	return nil
}

// attach records the policy, as the kernel would attach its program.
func (f *fakeFiles) attach(dir string, policy *DevicePolicy) error {
	rel, err := filepath.Rel(f.root, dir)
	if err != nil {
		f.t.Fatal(err)
	}
	f.attempts = append(f.attempts, fmt.Sprintf("%s=<device policy of %d rules>", rel, len(policy.Rules)))
	if f.programs == nil {
		f.programs = map[string]*DevicePolicy{}
	}
	if !policy.CanDeny() {
		delete(f.programs, dir)
	} else {
		f.programs[dir] = policy
	}
	return nil
}
