package netdev

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Device is a network device moved into a container's namespace.
type Device struct {
	HostName string `json:"hostName"`       // its name in the runtime's namespace
	Name     string `json:"name"`           // its name inside, a template expanded
	Index    int32  `json:"index"`          // its index inside
	Kind     string `json:"kind,omitempty"` // the link kind, empty for hardware
	wasUp    bool
	addrs    []address
}

// Move moves each device of devices (keyed by its name in the runtime's
// network namespace, as linux.netDevices is) into the network namespace
// open as ns, renamed as its entry says, with its permanent universe
// addresses, and sets it up. Devices go in the order of their host names.
// On error the devices already moved are moved back (MoveBack) and the
// error names the field.
func Move(ns *os.File, devices map[string]specs.LinuxNetDevice) ([]Device, error) {
	hostNames := make([]string, 0, len(devices))
	for h := range devices {
		hostNames = append(hostNames, h)
	}
	sort.Strings(hostNames)
	// Everything is checked before the first device moves, so a bad
	// entry leaves the host as it was.
	for _, h := range hostNames {
		if err := validName(h, false); err != nil {
			return nil, fieldErr(h, "", err)
		}
		if err := validName(targetName(h, devices[h]), true); err != nil {
			return nil, fieldErr(h, ".name", err)
		}
	}
	host, err := dial()
	if err != nil {
		return nil, err
	}
	defer host.close()
	inside, err := dialIn(ns)
	if err != nil {
		return nil, err
	}
	defer inside.close()

	var moved []Device
	for _, h := range hostNames {
		d, err := moveOne(host, inside, ns, h, targetName(h, devices[h]))
		if err != nil {
			if berr := moveBack(inside, host, moved); berr != nil {
				err = errors.Join(err, berr)
			}
			return nil, err
		}
		moved = append(moved, d)
	}
	return moved, nil
}

// targetName is the name a device gets inside: the entry's, or its own.
func targetName(host string, d specs.LinuxNetDevice) string {
	if d.Name != "" {
		return d.Name
	}
	return host
}

// moveOne moves device hostName into the namespace of inside as name.
func moveOne(host, inside *conn, ns *os.File, hostName, name string) (Device, error) {
	l, err := host.linkByName(hostName)
	if errors.Is(err, unix.ENODEV) {
		return Device{}, fieldErr(hostName, "", errors.New("no such network device in the runtime's network namespace"))
	} else if err != nil {
		return Device{}, fieldErr(hostName, "", fmt.Errorf("look up device: %w", err))
	}
	addrs, err := host.addrs(l.index)
	if err != nil {
		return Device{}, fieldErr(hostName, "", err)
	}
	// The spec asks for an error when the name is taken inside; the
	// kernel would give a bare EEXIST. A template is the kernel's to
	// fill, and the devices there before tell which one is new.
	var before map[string]bool
	if isTemplate(name) {
		links, err := inside.links()
		if err != nil {
			return Device{}, fieldErr(hostName, "", fmt.Errorf("list devices inside: %w", err))
		}
		before = map[string]bool{}
		for _, in := range links {
			before[in.name] = true
		}
	} else if _, err := inside.linkByName(name); err == nil {
		return Device{}, fieldErr(hostName, ".name", fmt.Errorf("%q already exists in the container's network namespace", name))
	} else if !errors.Is(err, unix.ENODEV) {
		return Device{}, fieldErr(hostName, "", fmt.Errorf("look up %q inside: %w", name, err))
	}

	if err := host.move(l.index, int(ns.Fd()), name); err != nil {
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
			// NETIF_F_NETNS_LOCAL devices (lo, bridges, vxlan...) stay
			// in their namespace.
			err = fmt.Errorf("%w (the kernel does not move this kind of device between namespaces)", err)
		}
		return Device{}, fieldErr(hostName, "", fmt.Errorf("move into the container's network namespace: %w", err))
	}
	d := Device{HostName: hostName, Kind: l.kind, wasUp: l.flags&unix.IFF_UP != 0, addrs: addrs}
	in, err := findMoved(inside, name, before)
	if err == nil {
		d.Index, d.Name = in.index, in.name
		err = configure(inside, d.Index, addrs)
	}
	if err != nil {
		err = fieldErr(hostName, "", err)
		if d.Index != 0 {
			if berr := moveBack(inside, host, []Device{d}); berr != nil {
				err = errors.Join(err, berr)
			}
		}
		return Device{}, err
	}
	return d, nil
}

// findMoved finds the device just moved in as name; for a template, the
// one device matching it that was not there before.
func findMoved(inside *conn, name string, before map[string]bool) (link, error) {
	if before == nil {
		l, err := inside.linkByName(name)
		if err != nil {
			return link{}, fmt.Errorf("find %q inside after the move: %w", name, err)
		}
		return l, nil
	}
	links, err := inside.links()
	if err != nil {
		return link{}, fmt.Errorf("list devices inside: %w", err)
	}
	var found []link
	for _, l := range links {
		if !before[l.name] && matchTemplate(name, l.name) {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		return link{}, fmt.Errorf("%d new devices inside match %q after the move", len(found), name)
	}
	return found[0], nil
}

// configure gives the moved device its addresses back and sets it up.
func configure(c *conn, index int32, addrs []address) error {
	for _, a := range addrs {
		if err := c.addAddr(a, index); err != nil {
			return err
		}
	}
	return c.setUp(index)
}

// MoveBack undoes Move for a create that fails after it: each device goes
// back from the namespace ns to the runtime's under its host name, with
// its addresses, and up if it was. It is not for delete: the spec says
// the runtime must not take devices out of a container's namespace.
func MoveBack(ns *os.File, devs []Device) error {
	if len(devs) == 0 {
		return nil
	}
	host, err := dial()
	if err != nil {
		return err
	}
	defer host.close()
	inside, err := dialIn(ns)
	if err != nil {
		return err
	}
	defer inside.close()
	return moveBack(inside, host, devs)
}

// moveBack moves devs from the namespace of inside to that of host.
func moveBack(inside, host *conn, devs []Device) error {
	if len(devs) == 0 {
		return nil
	}
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("open own network namespace: %w", err)
	}
	defer self.Close()
	var errs []error
	for _, d := range devs {
		if err := inside.move(d.Index, int(self.Fd()), d.HostName); err != nil {
			errs = append(errs, fmt.Errorf("move %q back to %q: %w", d.Name, d.HostName, err))
			continue
		}
		l, err := host.linkByName(d.HostName)
		if err == nil {
			for _, a := range d.addrs {
				if err = host.addAddr(a, l.index); err != nil {
					break
				}
			}
		}
		if err == nil && d.wasUp {
			err = host.setUp(l.index)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore %q: %w", d.HostName, err))
		}
	}
	return errors.Join(errs...)
}

// fieldErr names the spec field an error is about.
func fieldErr(hostName, sub string, err error) error {
	return fmt.Errorf("linux.netDevices.%s%s: %w", hostName, sub, err)
}

// validName checks a device name as the kernel's dev_valid_name does,
// and, where allowed, the one "%d" of a template (dev_alloc_name).
func validName(name string, template bool) error {
	switch {
	case name == "":
		return errors.New("empty device name")
	case len(name) >= unix.IFNAMSIZ:
		return fmt.Errorf("device name %q is longer than %d bytes", name, unix.IFNAMSIZ-1)
	case name == "." || name == "..":
		return fmt.Errorf("device name %q is not allowed", name)
	case strings.ContainsAny(name, "/: \t\n\v\f\r"):
		return fmt.Errorf("device name %q holds a slash, a colon or a space", name)
	}
	if i := strings.IndexByte(name, '%'); i >= 0 {
		if !template {
			return fmt.Errorf("device name %q holds a %%", name)
		}
		if !strings.HasPrefix(name[i:], "%d") || strings.Contains(name[i+2:], "%") {
			return fmt.Errorf("device name %q: a template holds one %%d and no other %%", name)
		}
	}
	return nil
}

// isTemplate says whether a (valid) name is a "%d" template.
func isTemplate(name string) bool { return strings.Contains(name, "%d") }

// matchTemplate says whether name is what the kernel makes of template:
// the "%d" replaced by a decimal number.
func matchTemplate(template, name string) bool {
	pre, post, _ := strings.Cut(template, "%d")
	if !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, post) || len(name) <= len(pre)+len(post) {
		return false
	}
	for _, c := range name[len(pre) : len(name)-len(post)] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
