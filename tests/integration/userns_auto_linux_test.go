package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/subid"
)

// The pool of the automatic user namespaces under test: user ocikit with
// 262144 sub-uids and sub-gids, four blocks of the default 65536, in
// private copies of /etc (the host's files are not touched).
const (
	poolStart = 1000000
	poolCount = 262144
)

// autoPool returns runOpts that run a root tool with the pool's user in
// its /etc.
func autoPool(t *testing.T) runOpts {
	t.Helper()
	rg := []subid.Range{{Start: poolStart, Count: poolCount}}
	return privateEtcRoot(t, []etcUser{{name: spec.DefaultUserNSUser, uid: 23470, gid: 23470, subuid: rg, subgid: rg}})
}

// autoBundle makes a busybox bundle running args that oci-spec edit
// --userns turned into a system container with the annotation value. Its
// config.json is the truth: b.spec is the spec before the conversion.
func (r *rt) autoBundle(value string, args ...string) *bundle {
	r.t.Helper()
	// The container's root is an unmapped host user until the rootfs
	// is idmapped: the bundle must be reachable by anyone.
	r.traversable()
	b := r.bundle(args...)
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	r.must("oci-spec", "--bundle", b.dir, "edit", "--userns", value)
	return b
}

// with runs a tool with this test's --root under o and fails the test
// unless it succeeds; it returns the tool's stdout.
func (r *rt) with(o runOpts, tool string, args ...string) string {
	r.t.Helper()
	res := r.exec(o, tool, append([]string{"--root", r.root}, args...)...)
	if res.code != 0 {
		r.t.Fatalf("%s %s: %s", tool, strings.Join(args, " "), res)
	}
	return res.stdout
}

// idMaps returns a process's uid_map and gid_map, each line's fields
// joined by single spaces.
func idMaps(t *testing.T, pid int) (uid, gid string) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	return read("uid_map"), read("gid_map")
}

// usernsOf returns the block a container's state shows.
func usernsOf(t *testing.T, stateJSON string) (uid, gid, size uint32) {
	t.Helper()
	var v struct {
		UserNS *struct{ UID, GID, Size uint32 } `json:"userns"`
	}
	if err := json.Unmarshal([]byte(stateJSON), &v); err != nil || v.UserNS == nil {
		t.Fatalf("state %q shows no userns block (%v)", stateJSON, err)
	}
	return v.UserNS.UID, v.UserNS.GID, v.UserNS.Size
}

// TestUserNSAuto: two containers get disjoint blocks from the pool, seen
// in their uid_map and gid_map and in their state; the block of a deleted
// container is free again and the next one gets it; the pool's lock is
// all that stays in the state root.
func TestUserNSAuto(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	b := r.autoBundle("auto", "sleep", "1000")

	want := func(start int) string { return fmt.Sprintf("0 %d 65536", start) }
	check := func(id string, start int) {
		t.Helper()
		out := r.with(pool, "oci-create", "--bundle", b.dir, id)
		st := parseState(t, out)
		if u, g := idMaps(t, st.Pid); u != want(start) || g != want(start) {
			t.Errorf("%s: uid_map %q, gid_map %q; want %q", id, u, g, want(start))
		}
		if u, g, n := usernsOf(t, r.must("oci-state", id)); u != uint32(start) || g != uint32(start) || n != 65536 {
			t.Errorf("%s: state shows block %d/%d/%d, want %d/%d/65536", id, u, g, n, start, start)
		}
	}
	a, c := r.id("auto-a"), r.id("auto-b")
	check(a, poolStart)
	check(c, poolStart+65536)
	r.must("oci-delete", "--force", a)
	d := r.id("auto-c")
	check(d, poolStart)
	r.must("oci-delete", "--force", c)
	r.must("oci-delete", "--force", d)
	assertClean(t, r.root, a, c, d)
	if names, err := readDirNames(r.root); err != nil || !slices.Equal(names, []string{"userns.lock"}) {
		t.Errorf("state root after the deletes: %v, %v; want only userns.lock", names, err)
	}
}

// TestUserNSAutoParallel: eight creates at once split a pool of eight
// blocks among themselves, none handed out twice; a ninth is refused
// with one line naming the pool's user and file.
func TestUserNSAutoParallel(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	const n, size = 8, poolCount / 8
	b := r.autoBundle("auto:size="+strconv.Itoa(size), "sleep", "1000")
	ids := make([]string, n)
	res := make([]result, n)
	errs := make([]error, n)
	for i := range ids {
		ids[i] = r.id(fmt.Sprint("par", i))
	}
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			res[i], errs[i] = r.tryExec(pool, "oci-create", "--root", r.root, "--bundle", b.dir, ids[i])
		})
	}
	wg.Wait()
	var starts []int
	for i := range ids {
		if errs[i] != nil || res[i].code != 0 {
			t.Fatalf("create %s: %v %s", ids[i], errs[i], res[i])
		}
		u, g := idMaps(t, parseState(t, res[i].stdout).Pid)
		f := strings.Fields(u)
		start, _ := strconv.Atoi(f[1])
		if len(f) != 3 || f[0] != "0" || f[2] != strconv.Itoa(size) || g != u ||
			start < poolStart || start+size > poolStart+poolCount || (start-poolStart)%size != 0 {
			t.Errorf("%s: uid_map %q, gid_map %q: want one block of %d on the pool's grid", ids[i], u, g, size)
		}
		starts = append(starts, start)
	}
	slices.Sort(starts)
	if len(slices.Compact(slices.Clone(starts))) != n {
		t.Errorf("blocks handed out twice: %v", starts)
	}
	extra := r.id("par-extra")
	full := r.exec(pool, "oci-create", "--root", r.root, "--bundle", b.dir, extra)
	if full.code != 1 {
		t.Fatalf("a ninth create from a full pool: %s", full)
	}
	errLine(t, full, "oci-create", extra, "no free block of 32768 ids", `user "ocikit"`, "/etc/subuid")
	for _, id := range ids {
		r.must("oci-delete", "--force", id)
	}
	assertClean(t, r.root, append(ids, extra)...)
}

// TestUserNSAutoErrors: a pool user /etc/subuid has no line for, and a
// rootless runtime, are refused in one line before anything is made.
func TestUserNSAutoErrors(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.autoBundle("auto:user=ocikit-none", "true")
	id := r.id("nopool")
	res := r.exec(autoPool(t), "oci-create", "--root", r.root, "--bundle", b.dir, id)
	if res.code != 1 {
		t.Fatalf("create from a user without sub-ids: %s", res)
	}
	errLine(t, res, "oci-create", id, `/etc/subuid grants user "ocikit-none" no ids`, "docs/userns.md")
	assertClean(t, r.root, id)
}

// TestUserNSAutoRootfs: the rootfs of a system container is idmapped to
// its block, so the root-owned image shows root-owned files inside
// without a chown, and nothing of it changes on the host.
func TestUserNSAutoRootfs(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	needIDMap(t, r)
	pool := autoPool(t)
	b := r.autoBundle("auto", "sh", "-c", "ls -ln /bin/busybox; stat -c '%u:%g' / /etc/passwd; cat /proc/self/uid_map")
	// Where the kernel cannot id-map the rootfs's filesystem (tmpfs
	// before 6.3: the VM guest's /tmp) the runtime warns and runs the
	// container with the image owned by the overflow id, as documented.
	kernelIDMaps(t, b.rootfs)
	before := owners(t, b.rootfs)
	id := r.id("idmapped")
	out := r.with(pool, "oci-run", "--bundle", b.dir, id)
	f := strings.Fields(out)
	if len(f) < 12 || f[2] != "0" || f[3] != "0" || f[9] != "0:0" || f[10] != "0:0" ||
		strings.Join(f[11:], " ") != fmt.Sprintf("0 %d 65536", poolStart) {
		t.Errorf("inside the system container: %q; want busybox, / and /etc/passwd owned by 0:0 and the pool's first block mapped", out)
	}
	if after := owners(t, b.rootfs); !slices.Equal(before, after) {
		t.Errorf("the rootfs's owners changed on the host:\n%v\n%v", before, after)
	}
	assertClean(t, r.root, id)
}

// needIDMap skips unless the runtime says it makes idmapped mounts.
func needIDMap(t *testing.T, r *rt) {
	t.Helper()
	var doc struct {
		Linux struct {
			MountExtensions struct {
				IDMap struct{ Enabled *bool } `json:"idmap"`
			} `json:"mountExtensions"`
		} `json:"linux"`
	}
	if err := json.Unmarshal([]byte(r.must("oci-spec", "features")), &doc); err != nil {
		t.Fatal(err)
	}
	if e := doc.Linux.MountExtensions.IDMap.Enabled; e == nil || !*e {
		t.Skip("the runtime's features say it makes no idmapped mounts")
	}
}

// owners lists every file under dir with its owner and mode.
func owners(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		out = append(out, fmt.Sprintf("%s %d:%d %v", p, st.Uid, st.Gid, fi.Mode()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
