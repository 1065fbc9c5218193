package vm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// defaultTimeout bounds a whole guest run (boot, every integration test,
// power-off) when OCIKIT_VM_TIMEOUT is unset. TCG runs the guest several
// times slower than the host.
const defaultTimeout = 45 * time.Minute

// bootSlack is the part of the bound kept for booting and powering off:
// the guest's test binary gets the rest as its -test.timeout, so a hung
// test ends in its goroutine dump and the end marker, not a silent kill.
const bootSlack = 3 * time.Minute

// TestGuest boots the pure cgroup v2 guest, runs the integration tests in
// it and reports each of them as a subtest.
func TestGuest(t *testing.T) {
	if os.Getenv("OCIKIT_VM") != "1" {
		t.Skip("set OCIKIT_VM=1 (make vm-test) to boot the cgroup v2 guest and run the integration tests in it")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the kernel image under /boot is readable by root only")
	}
	kernel, err := findKernel()
	if err != nil {
		t.Skip(err.Error())
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("needs qemu-system-x86_64 (apt-get install -y qemu-system-x86)")
	}
	// From here on the run was asked for and the machine can do it, so a
	// missing piece is a failure, not a skip.
	toolsDir := os.Getenv("OCIKIT_BIN")
	if toolsDir == "" {
		t.Fatal("OCIKIT_VM=1 needs OCIKIT_BIN, the directory of the statically linked tools (make vm-test sets both)")
	}
	bound := defaultTimeout
	if s := os.Getenv("OCIKIT_VM_TIMEOUT"); s != "" {
		if bound, err = time.ParseDuration(s); err != nil {
			t.Fatalf("OCIKIT_VM_TIMEOUT=%q: %v", s, err)
		}
	}
	if dl, ok := t.Deadline(); ok {
		// Leave go test's own timeout a minute to report the results.
		bound = min(bound, time.Until(dl)-time.Minute)
	}
	if bound < bootSlack+time.Minute {
		t.Fatalf("%v is too short for a guest run (go test -timeout, OCIKIT_VM_TIMEOUT)", bound)
	}

	release, err := kernelRelease(kernel)
	if err != nil {
		t.Fatal(err)
	}
	modules, missing := findModules("/lib/modules", release)
	for _, m := range missing {
		t.Logf("the guest boots without a module: %s; the tests needing it skip there", m)
	}

	hostFiles, skipped := hostPayload(guestHostBinaries, hostLibDirs)
	for _, s := range skipped {
		t.Logf("the guest boots without a host program: %s; the tests needing it skip there", s)
	}
	dataFiles, skipped := hostData(guestHostData)
	for _, s := range skipped {
		t.Logf("the guest boots without a host file: %s; the tests needing it skip there", s)
	}
	hostFiles = append(hostFiles, dataFiles...)
	// A root filesystem with systemd, for TestSystemdBoot, which skips
	// without one (stage2 names it to the tests when it is there).
	if tar := os.Getenv("OCIKIT_VM_SYSTEMD_ROOTFS"); tar != "" {
		if fi, err := os.Stat(tar); err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("OCIKIT_VM_SYSTEMD_ROOTFS=%q: a tar archive is needed (%v)", tar, err)
		}
		hostFiles = append(hostFiles, payloadFile{name: guestSystemdRootfs, src: tar, mode: 0o644})
	}

	dir := t.TempDir()
	testBin := filepath.Join(dir, "integration.test")
	if err := buildIntegration(testBin); err != nil {
		t.Fatal(err)
	}
	spec := guestSpec{
		busybox:    "/bin/busybox",
		toolsDir:   toolsDir,
		testBin:    testBin,
		testFlags:  strings.Fields(os.Getenv("OCIKIT_VM_TESTFLAGS")),
		modules:    modules,
		hostFiles:  hostFiles,
		timeout:    bound - bootSlack,
		marker:     "ocikit-vm-end-" + randomHex(t),
		bootMarker: "ocikit-vm-up-" + randomHex(t),
	}
	initrd := filepath.Join(dir, "initramfs.cpio.gz")
	if err := buildInitramfs(initrd, spec); err != nil {
		t.Fatalf("initramfs: %v", err)
	}

	run, elapsed, bootTime := boot(t, qemu, kernel, initrd, spec, bound)
	pass, fail, skip := run.counts()
	t.Logf("kernel %s (%s, modules %q); boot %s to the guest's first line; whole run %s", kernel, release, modules, bootTime, elapsed.Round(time.Second))
	t.Logf("guest tests (subtests included): %d passed, %d failed, %d skipped", pass, fail, skip)
	report(t, run)
	switch {
	case !run.ended:
		t.Errorf("the guest never printed its end marker within %v; console tail:\n%s", bound, run.tail(60))
	case run.status != 0:
		t.Errorf("the guest's integration tests exited with status %d; console tail:\n%s", run.status, run.tail(30))
	}
}

// boot runs qemu until the guest powers off or bound passes and parses
// its serial console. The console is kept in OCIKIT_VM_LOG when set.
func boot(t *testing.T, qemu, kernel, initrd string, spec guestSpec, bound time.Duration) (run *guestRun, elapsed time.Duration, bootTime string) {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	// KVM exists on this host but does not work in it; TCG is slower
	// but runs anywhere. panic=-1 with -no-reboot turns a guest panic
	// (init failing) into qemu exiting, instead of a wait for the bound.
	cmd := exec.CommandContext(ctx, qemu,
		"-accel", "tcg", "-m", "2048", "-smp", "2",
		"-nographic", "-no-reboot",
		"-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet cgroup_no_v1=all")
	cmd.Stdin = nil
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr

	var logw io.Writer = io.Discard
	if p := os.Getenv("OCIKIT_VM_LOG"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatalf("OCIKIT_VM_LOG: %v", err)
		}
		defer f.Close()
		logw = f
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", qemu, err)
	}
	var upAt time.Duration
	run, perr := parseConsole(stdout, spec.marker, spec.bootMarker, func(line string) {
		if upAt == 0 && strings.Contains(line, spec.bootMarker) {
			upAt = time.Since(start)
		}
		fmt.Fprintln(logw, line)
	})
	werr := cmd.Wait()
	elapsed = time.Since(start)
	if perr != nil {
		t.Errorf("read the guest console: %v", perr)
	}
	if werr != nil && ctx.Err() == nil {
		t.Errorf("qemu: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	bootTime = "never"
	if upAt > 0 {
		bootTime = upAt.Round(10 * time.Millisecond).String()
		// The guest prints its own uptime after the boot marker: the
		// kernel's view, without qemu's start-up.
		_, after, _ := strings.Cut(run.output[run.bootLine].text, spec.bootMarker)
		if f := strings.Fields(after); len(f) > 0 {
			bootTime += " (guest uptime " + f[0] + " s)"
		}
	}
	return run, elapsed, bootTime
}

// report hands each top-level guest test to go test as a subtest with
// the guest's outcome; a failure carries the guest's lines for that test
// and its subtests.
func report(t *testing.T, run *guestRun) {
	byName := map[string]result{}
	var names []string
	for _, r := range run.results {
		if strings.Contains(r.name, "/") {
			continue
		}
		if _, seen := byName[r.name]; !seen {
			names = append(names, r.name)
		}
		byName[r.name] = r
	}
	sort.Strings(names)
	for _, name := range names {
		r := byName[name]
		t.Run(name, func(t *testing.T) {
			switch r.outcome {
			case "FAIL":
				t.Errorf("failed in the guest (%s):\n%s", r.elapsed, strings.Join(lastLines(run.linesOf(name), 80), "\n"))
			case "SKIP":
				t.Skipf("skipped in the guest: %s", skipReason(run.linesOf(name)))
			}
		})
	}
}

// skipReason picks the t.Skip message out of a skipped test's lines: the
// one logged line, as go test -v shows it ("    file.go:12: reason").
func skipReason(lines []string) string {
	for _, l := range lines {
		if s := strings.TrimSpace(l); s != "" && !strings.HasPrefix(s, "===") && !strings.HasPrefix(s, "---") {
			return s
		}
	}
	return "(no reason given)"
}

func lastLines(lines []string, n int) []string {
	return lines[max(len(lines)-n, 0):]
}

// findKernel returns OCIKIT_VM_KERNEL or the newest Debian cloud kernel
// under /boot.
func findKernel() (string, error) {
	if k := os.Getenv("OCIKIT_VM_KERNEL"); k != "" {
		if _, err := os.Stat(k); err != nil {
			return "", fmt.Errorf("OCIKIT_VM_KERNEL: %w", err)
		}
		return k, nil
	}
	ks, _ := filepath.Glob("/boot/vmlinuz-*-cloud-amd64")
	if len(ks) == 0 {
		return "", fmt.Errorf("needs a kernel: no /boot/vmlinuz-*-cloud-amd64 (apt-get install -y linux-image-cloud-amd64) and OCIKIT_VM_KERNEL unset")
	}
	// Glob sorts by name; Debian's ABI numbers sort the newest last
	// within one upstream version, which is all one release ships.
	return ks[len(ks)-1], nil
}

// buildIntegration compiles the integration tests into out, statically
// (CGO_ENABLED=0), for the guest without a libc.
func buildIntegration(out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// go test runs this package in tests/vm; the integration package
	// is its sibling.
	cmd := exec.Command(goTool, "test", "-c", "-o", out, "../integration")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go test -c ./tests/integration: %w: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
