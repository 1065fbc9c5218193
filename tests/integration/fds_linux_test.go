package integration

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// tempWithContent returns an open file holding content, read from the
// start.
func tempWithContent(t *testing.T, r *rt, content string) *os.File {
	t.Helper()
	f := r.tempFile()
	t.Cleanup(func() { f.Close() })
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	// The container reads from the offset, which appends left at the end.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFdsClosed(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("ls", "/proc/self/fd")
	// An fd oci-run holds but was not asked to pass must not get in.
	extra := tempWithContent(t, r, "secret")
	res := r.runWith(runOpts{extra: []*os.File{extra}}, b)
	if res.code != 0 {
		t.Fatalf("oci-run: %s", res)
	}
	// 3 is the directory ls is reading.
	if got := strings.Fields(res.stdout); strings.Join(got, " ") != "0 1 2 3" {
		t.Errorf("fds in the container: %q, want 0 1 2 and ls's own 3", got)
	}
}

func TestPreserveFds(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("cat <&3; cat <&4; ls /proc/self/fd")...)
	f3 := tempWithContent(t, r, "from fd 3\n")
	f4 := tempWithContent(t, r, "from fd 4\n")
	f5 := tempWithContent(t, r, "not passed\n")
	res := r.runWith(runOpts{extra: []*os.File{f3, f4, f5}}, b, "--preserve-fds", "2")
	if res.code != 0 {
		t.Fatalf("oci-run --preserve-fds 2: %s", res)
	}
	want := "from fd 3\nfrom fd 4\n0\n1\n2\n3\n4\n5\n"
	if res.stdout != want {
		t.Errorf("output %q, want %q (fds 3 and 4 passed, 5 is ls's)", res.stdout, want)
	}
}

func TestPidFile(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	for _, tool := range []string{"oci-create", "oci-run"} {
		pidFile := filepath.Join(r.dir("pid"), "pid")
		id := r.id("pidfile")
		var st stateView
		if tool == "oci-create" {
			st = r.create(b, id, "--pid-file", pidFile)
		} else {
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			st = parseState(t, r.must("oci-run", "--detach", "--pid-file", pidFile, "--bundle", b.dir, id))
		}
		data, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatalf("%s --pid-file: %v", tool, err)
		}
		if string(data) != strconv.Itoa(st.Pid) {
			t.Errorf("%s: pid file holds %q, want %d and no newline", tool, data, st.Pid)
		}
		r.must("oci-delete", "--force", id)
		assertClean(t, r.root, id)
	}
}

func TestConsoleSocket(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("test -t 0 && test -t 1 && test -t 2 && echo all-tty; tty; stty size")...)
	b.spec.Process.Terminal = true
	b.spec.Process.ConsoleSize = &specs.Box{Height: 30, Width: 100}
	sockPath, wait := consoleReceiver(t, r)

	res := r.run(b, "--console-socket", sockPath)
	if res.code != 0 {
		t.Fatalf("oci-run --console-socket: %s", res)
	}
	out := wait()
	for _, want := range []string{"all-tty\n", "/dev/pts/0\n", "30 100\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output %q lacks %q", out, want)
		}
	}
	if res.stdout != "" {
		t.Errorf("with a console socket, oci-run's own stdout got %q", res.stdout)
	}
}
