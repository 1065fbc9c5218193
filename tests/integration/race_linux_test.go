package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// raceRuns is how many containers mount through the flipping directory;
// the test is bounded by this count, not by time.
const raceRuns = 50

// TestRaceSharedVolume is the shared-volume symlink exchange of
// CVE-2021-30465. Container A has a host directory V at /shared and
// exchanges /shared/d, atomically and in a loop, between a directory and
// a symlink to /. Meanwhile raceRuns containers B, two at a time, have V
// at /vol and a tmpfs at /vol/d/x and a bind mount at /vol/d/y: a runtime
// that resolves those destinations on the host, or checks them and
// mounts later by path, would mount onto the host's / or over the
// container's root with host content. Each B must fail with a clean
// error or find its two mounts inside its own root (at /vol/d/... or,
// through the link, at /x and /y), and never see a host marker file.
// Afterwards the host's / has no new entry, the host mount table and the
// marker are unchanged, and nothing of any container is left.
func TestRaceSharedVolume(t *testing.T) {
	r := newRT(t)
	vol := r.dir("vol")
	src := r.dir("race-src")
	if err := os.WriteFile(filepath.Join(src, "payload"), []byte("bound\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(r.base, "host-marker")
	if err := os.WriteFile(marker, []byte("only on the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	a := r.bundle("sh", "-c", "/bin/sechelper swap /shared > /shared/swaps")
	sechelper(t, a.rootfs)
	a.spec.Mounts = append(a.spec.Mounts, specs.Mount{Destination: "/shared", Type: "bind", Source: vol, Options: []string{"rbind", "rw"}})
	bs := []*bundle{raceBundle(r, vol, src, marker), raceBundle(r, vol, src, marker)}

	rootBefore, err := readDirNames("/")
	if err != nil {
		t.Fatal(err)
	}
	w := watchHost(t, r, []string{marker}, []string{src})
	flipper, _ := r.started(a, "flipper")
	eventually(t, "the flipper to make /shared/d", func() bool {
		_, err := os.Stat(filepath.Join(vol, "ready"))
		return err == nil
	})

	var (
		mu      sync.Mutex
		ids     []string
		landed  = map[string]int{}
		wg      sync.WaitGroup
		next    = make(chan int)
		fails   []string
		refused int
	)
	for _, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				id := r.id("race")
				res, err := r.tryExec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
				where, bad := raceOutcome(res, err, id, src)
				mu.Lock()
				ids = append(ids, id)
				if bad != "" {
					fails = append(fails, bad)
				} else if where == "" {
					if refused++; refused <= 3 {
						t.Logf("refused: %s", res.stderr)
					}
				} else {
					landed[where]++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < raceRuns; i++ {
		next <- i
	}
	close(next)
	wg.Wait()

	if err := os.WriteFile(filepath.Join(vol, "stop"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitStatus(flipper, "stopped")
	r.remove(flipper)
	assertClean(t, r.root, ids...)
	for _, f := range fails {
		t.Error(f)
	}
	swaps, _ := os.ReadFile(filepath.Join(vol, "swaps"))
	t.Logf("%s; %d refused; landed: %v", strings.TrimSpace(string(swaps)), refused, landed)
	if !strings.HasPrefix(string(swaps), "swaps ") || strings.HasPrefix(string(swaps), "swaps 0\n") {
		t.Errorf("the flipper did not flip: %q", swaps)
	}
	w.check()
	rootAfter, err := readDirNames("/")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rootAfter {
		if !slices.Contains(rootBefore, n) {
			t.Errorf("new entry in the host's /: %s", n)
		}
	}
}

// raceBundle is one B: V at /vol, a tmpfs of a size no other mount has at
// /vol/d/x, src bound read-only at /vol/d/y; it reports whether it sees
// the host's marker and prints its mount table.
func raceBundle(r *rt, vol, src, marker string) *bundle {
	b := r.bundle(sh(fmt.Sprintf("test -e %s && echo HOSTVISIBLE; cat /proc/self/mountinfo", shQuote(marker)))...)
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/vol", Type: "bind", Source: vol, Options: []string{"rbind", "rw"}},
		specs.Mount{Destination: "/vol/d/x", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1028k"}},
		specs.Mount{Destination: "/vol/d/y", Type: "bind", Source: src, Options: []string{"bind", "ro"}},
	)
	if err := b.write(); err != nil {
		r.t.Fatal(err)
	}
	return b
}

// raceOutcome classifies one B's run: where its mounts landed ("" when it
// was refused cleanly), or what was wrong.
func raceOutcome(res result, err error, id, src string) (where, bad string) {
	switch {
	case err != nil:
		return "", err.Error()
	case res.code != 0:
		msg := strings.TrimSuffix(res.stderr, "\n")
		if !strings.HasPrefix(msg, fmt.Sprintf("oci-run: container %q: ", id)) || strings.Contains(msg, "\n") {
			return "", fmt.Sprintf("container %s failed without one error line naming it: %s", id, res)
		}
		return "", ""
	case strings.Contains(res.stdout, "HOSTVISIBLE"):
		return "", fmt.Sprintf("container %s sees the host's marker file: %s", id, res)
	}
	var tmpfs, bind []string
	for _, m := range parseMountinfo(res.stdout) {
		if m.fstype == "tmpfs" && hasOpt(m.super, "size=1028k") {
			tmpfs = append(tmpfs, m.point)
		}
		if m.root == src || strings.HasSuffix(m.root, "/"+filepath.Base(src)) {
			bind = append(bind, m.point)
		}
	}
	// The directory a mount is on may have been exchanged since, and
	// then shows as /vol/l/NAME: still inside the volume.
	okPlace := func(ps []string, name string) bool {
		return len(ps) == 1 && slices.Contains([]string{"/vol/d/" + name, "/vol/l/" + name, "/" + name}, ps[0])
	}
	if !okPlace(tmpfs, "x") || !okPlace(bind, "y") {
		return "", fmt.Sprintf("container %s: tmpfs at %q, bind at %q; want one each in the volume or at /x and /y", id, tmpfs, bind)
	}
	return tmpfs[0] + " " + bind[0], ""
}
