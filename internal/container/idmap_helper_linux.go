package container

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/subid"
)

// Files the setuid helpers check a mapping against (shadow's defaults).
const (
	subUIDFile = "/etc/subuid"
	subGIDFile = "/etc/subgid"
)

// idMapKind is one of the two maps, with what is needed to write it.
type idMapKind struct {
	file   string // uid_map or gid_map under /proc/PID
	helper string // newuidmap or newgidmap
	subids string // /etc/subuid or /etc/subgid
	own    int    // the caller's effective id of this kind
}

var (
	uidMapKind = idMapKind{file: "uid_map", helper: "newuidmap", subids: subUIDFile}
	gidMapKind = idMapKind{file: "gid_map", helper: "newgidmap", subids: subGIDFile}
)

// needsHelper reports whether maps needs the setuid helper: the kernel
// lets a process without CAP_SETUID (CAP_SETGID) in the parent namespace
// write one line only, mapping its own effective id, one id long
// (user_namespaces(7)). Anything wider must be vouched for by
// /etc/subuid (/etc/subgid), which only the root-owned helper can act on.
func needsHelper(maps []specs.LinuxIDMapping, own int) bool {
	return os.Geteuid() != 0 && !selfMap(maps, own)
}

// selfMap reports whether maps is the single line an unprivileged process
// may write itself: its own id, one long.
func selfMap(maps []specs.LinuxIDMapping, own int) bool {
	return len(maps) == 1 && maps[0].Size == 1 && int64(maps[0].HostID) == int64(own)
}

// runIDMapHelper writes the map of process pid through newuidmap or
// newgidmap, found in $PATH as a user would find it: the helper is
// setuid root and checks the ranges against the subordinate id files
// itself, so the runtime needs no privilege of its own and cannot grant
// more than the administrator did.
//
// newgidmap decides setgroups by itself: "allow" when the map is backed
// by /etc/subgid, "deny" when the caller maps only its own gid (the
// CVE-2018-7169 rule), so the runtime must not write it first.
func runIDMapHelper(pid int, kind idMapKind, maps []specs.LinuxIDMapping) error {
	path, err := exec.LookPath(kind.helper)
	if err != nil {
		return cerr.Op("map ids", kind.helper,
			fmt.Errorf("%s not found: install uidmap (Debian, Ubuntu) or shadow-utils (Fedora): %w", kind.helper, exec.ErrNotFound))
	}
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		args = append(args,
			strconv.FormatUint(uint64(m.ContainerID), 10),
			strconv.FormatUint(uint64(m.HostID), 10),
			strconv.FormatUint(uint64(m.Size), 10))
	}
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	// The helper inherits nothing of the runtime's environment it could
	// be confused by: it needs none.
	cmd.Env = []string{}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return cerr.Op("map ids", path, helperFailure(kind, msg))
	}
	return nil
}

// helperFailure explains a refused mapping. The helper's own words say
// which range was refused; the common cause, a user with no entry at
// all, gets the file to edit.
func helperFailure(kind idMapKind, msg string) error {
	uid := os.Getuid()
	name := ""
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		name = u.Username
	}
	if _, err := subid.Lookup(kind.subids, name, uint32(uid)); errors.Is(err, subid.ErrNoEntry) {
		who := strconv.Itoa(uid)
		if name != "" {
			who = name + " (uid " + who + ")"
		}
		return fmt.Errorf("%s: user %s has no entry in %s: ask the administrator for a range (usermod --add-subuids/--add-subgids): %w",
			msg, who, kind.subids, subid.ErrNoEntry)
	}
	return errors.New(msg)
}

// writeIDMaps writes the uid and gid maps of the user namespace that
// process pid has just made: directly when the caller is root or maps
// only its own ids, through newuidmap/newgidmap otherwise.
func writeIDMaps(pid int, uids, gids []specs.LinuxIDMapping) error {
	base := fmt.Sprintf("/proc/%d/", pid)
	uk, gk := uidMapKind, gidMapKind
	uk.own, gk.own = os.Geteuid(), os.Getegid()
	// An unprivileged process must deny setgroups before it writes a
	// gid_map itself, or the container's root could drop the groups the
	// host uses to deny it access (user_namespaces(7)). With the helper,
	// the helper decides (see runIDMapHelper).
	if os.Geteuid() != 0 && !needsHelper(gids, gk.own) {
		if err := os.WriteFile(base+"setgroups", []byte("deny"), 0); err != nil {
			return cerr.Op("write", base+"setgroups", err)
		}
	}
	for _, m := range []struct {
		kind idMapKind
		maps []specs.LinuxIDMapping
	}{{uk, uids}, {gk, gids}} {
		if needsHelper(m.maps, m.kind.own) {
			if err := runIDMapHelper(pid, m.kind, m.maps); err != nil {
				return err
			}
			continue
		}
		var b strings.Builder
		for _, e := range m.maps {
			fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
		}
		if err := os.WriteFile(base+m.kind.file, []byte(b.String()), 0); err != nil {
			return cerr.Op("write", base+m.kind.file, err)
		}
	}
	return nil
}
