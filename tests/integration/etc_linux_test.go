package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/subid"
)

// etcUser is a user a test makes without touching the host's /etc: its
// passwd, group, subuid and subgid lines exist only in copies that
// privateEtc binds over the originals in a mount namespace of the tool's
// own.
type etcUser struct {
	name           string
	uid, gid       uint32
	subuid, subgid []subid.Range
}

// etcFiles are the files privateEtc replaces; newuidmap and newgidmap
// read all four (the name of the caller's uid, then its ranges).
var etcFiles = []string{"passwd", "group", "subuid", "subgid"}

// privateEtc returns runOpts that run a tool as users[0] (setpriv, no
// supplementary groups) with every user of users added to private copies
// of /etc/passwd, group, subuid and subgid. The copies are bound over the
// originals inside a private mount namespace made for each run, so the
// host's /etc never changes and nothing is left to clean up: the
// namespace goes with its last process, a container included.
func privateEtc(t *testing.T, users []etcUser) runOpts {
	t.Helper()
	if len(users) == 0 {
		t.Fatal("privateEtc: no user to run as")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run the tools as a test-made user")
	}
	o := privateEtcRoot(t, users)
	u := users[0]
	o.prefix = append(o.prefix, setpriv,
		"--reuid="+strconv.FormatUint(uint64(u.uid), 10),
		"--regid="+strconv.FormatUint(uint64(u.gid), 10),
		"--clear-groups")
	o.env = append(o.env, "HOME=/nonexistent", "USER="+u.name, "LOGNAME="+u.name)
	return o
}

// privateEtcRoot is privateEtc for a tool that stays root: a root runtime
// reading the subordinate ranges of a user that exists only in the copies
// (the pool of --userns auto).
func privateEtcRoot(t *testing.T, users []etcUser) runOpts {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: privateEtc binds files over /etc in a new mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux) for a private mount namespace")
	}
	mount, err := exec.LookPath("mount")
	if err != nil {
		t.Skip("needs mount to bind the copies of /etc files")
	}
	dir := t.TempDir()
	script := "set -e\n"
	for _, f := range etcFiles {
		orig := filepath.Join("/etc", f)
		data, err := os.ReadFile(orig)
		if err != nil {
			// A bind needs a file to cover, and the test must not
			// create one in the host's /etc.
			t.Skipf("privateEtc binds a copy over %s, which this host lacks: %v", orig, err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		for _, u := range users {
			data = append(data, etcLine(f, u)...)
		}
		cp := filepath.Join(dir, f)
		if err := os.WriteFile(cp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		script += fmt.Sprintf("%s --bind %s %s\n", mount, shellQuote(cp), orig)
	}
	script += `exec "$@"`
	return runOpts{prefix: []string{unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"}}
}

// etcLine is what file holds for u.
func etcLine(file string, u etcUser) string {
	var b strings.Builder
	switch file {
	case "passwd":
		fmt.Fprintf(&b, "%s:x:%d:%d:ocikit test user:/nonexistent:/usr/sbin/nologin\n", u.name, u.uid, u.gid)
	case "group":
		fmt.Fprintf(&b, "%s:x:%d:\n", u.name, u.gid)
	case "subuid", "subgid":
		rs := u.subuid
		if file == "subgid" {
			rs = u.subgid
		}
		for _, r := range rs {
			fmt.Fprintf(&b, "%s:%d:%d\n", u.name, r.Start, r.Count)
		}
	}
	return b.String()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// TestPrivateEtc checks the helper: the tool runs as the made user, whose
// name and ranges it sees, newuidmap accepts its ranges (unshare
// --map-auto), and the host's files are unchanged.
func TestPrivateEtc(t *testing.T) {
	t.Parallel()
	needHost(t)
	before := map[string][]byte{}
	for _, f := range etcFiles {
		data, err := os.ReadFile(filepath.Join("/etc", f))
		if err != nil {
			t.Skipf("needs /etc/%s: %v", f, err)
		}
		before[f] = data
	}
	u := etcUser{name: "ocikit-etc", uid: 23457, gid: 23457,
		subuid: []subid.Range{{Start: 400000, Count: 65536}},
		subgid: []subid.Range{{Start: 500000, Count: 65536}}}
	r := newRT(t)
	as := privateEtc(t, []etcUser{u})
	// id's options, not its default line: coreutils lists the primary
	// group under groups=, busybox (the VM guest's) leaves groups= out
	// when there is no supplementary one.
	res := r.exec(as, "/bin/sh", "-c", "id -u; id -un; id -G; id -Gn; grep ocikit-etc /etc/subuid /etc/subgid")
	want := "23457\nocikit-etc\n23457\nocikit-etc\n" +
		"/etc/subuid:ocikit-etc:400000:65536\n/etc/subgid:ocikit-etc:500000:65536\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("as the made user: %s, want stdout %q", res, want)
	}
	root := r.exec(privateEtcRoot(t, []etcUser{u}), "/bin/sh", "-c", "id -u; id -un ocikit-etc")
	if root.code != 0 || root.stdout != "0\nocikit-etc\n" {
		t.Errorf("privateEtcRoot: %s, want root seeing the made user", root)
	}

	newuidmap, _ := exec.LookPath("newuidmap")
	unshare, _ := exec.LookPath("unshare")
	help, _ := exec.Command(unshare, "--help").Output()
	if newuidmap == "" || !strings.Contains(string(help), "--map-auto") {
		t.Log("newuidmap or unshare --map-auto missing: the subordinate ranges are not tried")
	} else {
		res = r.exec(as, unshare, "--user", "--map-root-user", "--map-auto", "/bin/cat", "/proc/self/uid_map", "/proc/self/gid_map")
		if got := strings.Join(strings.Fields(res.stdout), " "); res.code != 0 ||
			got != "0 23457 1 1 400000 65535 0 23457 1 1 500000 65535" {
			t.Errorf("unshare --map-auto as the made user: %s", res)
		}
	}
	for _, f := range etcFiles {
		if data, _ := os.ReadFile(filepath.Join("/etc", f)); string(data) != string(before[f]) {
			t.Errorf("the host's /etc/%s changed", f)
		}
	}
}

// TestSpecSubIDs: oci-spec --rootless --subids, run by a test-made user,
// maps root to the user and container IDs 1 and up to its ranges, found
// by its name; a user without ranges gets an error saying how to add them.
func TestSpecSubIDs(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	withIDs := etcUser{name: "ocikit-subids", uid: 23458, gid: 23459,
		subuid: []subid.Range{{Start: 600000, Count: 65536}, {Start: 700000, Count: 100}},
		subgid: []subid.Range{{Start: 800000, Count: 65536}}}
	without := etcUser{name: "ocikit-nosubids", uid: 23460, gid: 23460}

	res := r.exec(privateEtc(t, []etcUser{withIDs, without}), "oci-spec", "--rootless", "--subids", "-o", "-")
	if res.code != 0 {
		t.Fatalf("oci-spec --rootless --subids: %s", res)
	}
	var s struct {
		Linux struct {
			UIDMappings, GIDMappings []struct{ ContainerID, HostID, Size uint32 }
		}
	}
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(s.Linux.UIDMappings); got != "[{0 23458 1} {1 600000 65536} {65537 700000 100}]" {
		t.Errorf("uidMappings %s", got)
	}
	if got := fmt.Sprint(s.Linux.GIDMappings); got != "[{0 23459 1} {1 800000 65536}]" {
		t.Errorf("gidMappings %s", got)
	}

	res = r.exec(privateEtc(t, []etcUser{without, withIDs}), "oci-spec", "--rootless", "--subids", "-o", "-")
	want := `oci-spec: --subids: /etc/subuid: no subordinate id entry for user "ocikit-nosubids" (uid 23460) ` +
		"(as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ocikit-nosubids)\n"
	if res.code != 1 || res.stdout != "" || res.stderr != want {
		t.Errorf("a user without ranges: %s, want exit 1 and %q", res, want)
	}
}
