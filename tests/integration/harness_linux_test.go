package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// toolTimeout bounds one tool invocation, so a hung container fails its
// test instead of the whole run; no test expects to come near it.
const toolTimeout = 2 * time.Minute

// inflight holds the pids of the tool processes started and not yet
// waited for, which the zombie check must not count as leaks.
var inflight sync.Map

// rt is one test's runtime: its own state directory and bundles, all
// under one temporary directory, and the IDs it handed out.
type rt struct {
	t    *testing.T
	base string // the test's temporary directory
	root string // --root

	mu  sync.Mutex
	ids []string
	n   int
}

// newRT skips the test unless containers can run here and returns a
// runtime with a fresh state directory. Containers left by a failed test
// are force-deleted when it ends.
func newRT(t *testing.T) *rt {
	t.Helper()
	needHost(t)
	base := t.TempDir()
	r := &rt{t: t, base: base, root: filepath.Join(base, "state")}
	t.Cleanup(func() {
		for _, id := range r.issued() {
			r.exec(runOpts{}, "oci-delete", "--root", r.root, "--force", id)
		}
	})
	return r
}

var idSeq atomic.Int64

// id returns a container ID unique to this test run, holding what for the
// reader of a failure. The pid in it keeps concurrent runs apart.
func (r *rt) id(what string) string {
	id := fmt.Sprintf("it%d-%d-%s", os.Getpid(), idSeq.Add(1), what)
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
	return id
}

func (r *rt) issued() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

// dir makes a new directory under the test's temporary directory.
func (r *rt) dir(name string) string {
	r.mu.Lock()
	r.n++
	d := filepath.Join(r.base, fmt.Sprintf("%s-%d", name, r.n))
	r.mu.Unlock()
	if err := os.Mkdir(d, 0o755); err != nil {
		r.t.Fatal(err)
	}
	return d
}

// traversable lets every user reach the test's directory: t.TempDir makes
// its parent 0700, which the tests that run a container as another host
// user need open.
func (r *rt) traversable() {
	r.t.Helper()
	for _, d := range []string{filepath.Dir(r.base), r.base} {
		if err := os.Chmod(d, 0o755); err != nil {
			r.t.Fatal(err)
		}
	}
}

// result is what a tool did.
type result struct {
	code           int
	stdout, stderr string
}

func (res result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
}

// runOpts are the less common ways to run a tool.
type runOpts struct {
	stdin  *os.File
	extra  []*os.File // fds 3.. of the tool
	env    []string   // added to the tool's environment
	prefix []string   // a command the tool runs under, such as setpriv
	dir    string     // working directory
}

// exec runs a tool from binDir (or the program at an absolute path) and
// fails the test if it cannot be run or does not finish.
func (r *rt) exec(o runOpts, tool string, args ...string) result {
	r.t.Helper()
	res, err := r.tryExec(o, tool, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// tryExec is exec for goroutines other than the test's, which must not
// call t.Fatal: it returns what went wrong instead.
//
// The tool's standard streams are files, not pipes: a container holds the
// stderr of oci-create (and of oci-run --detach) after the tool exits, and
// a pipe would keep us waiting for the container.
func (r *rt) tryExec(o runOpts, tool string, args ...string) (result, error) {
	outF, err := outputFile(r.base)
	if err != nil {
		return result{}, err
	}
	defer outF.Close()
	errF, err := outputFile(r.base)
	if err != nil {
		return result{}, err
	}
	defer errF.Close()
	prog := tool
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(binDir, tool)
	}
	argv := append(append(append([]string(nil), o.prefix...), prog), args...)
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// A nil *os.File in the io.Reader would give the tool a closed
	// stdin; no stdin means /dev/null.
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	cmd.Stdout, cmd.Stderr = outF, errF
	cmd.ExtraFiles = o.extra
	cmd.Dir = o.dir
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, o.env...)
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("start %s: %w", tool, err)
	}
	inflight.Store(cmd.Process.Pid, true)
	waitErr := cmd.Wait()
	inflight.Delete(cmd.Process.Pid)
	res := result{code: cmd.ProcessState.ExitCode()}
	if res.stdout, err = readOutput(outF); err != nil {
		return res, err
	}
	if res.stderr, err = readOutput(errF); err != nil {
		return res, err
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s %s: gave up after %v: %s", tool, strings.Join(args, " "), toolTimeout, res)
	case waitErr != nil && !errors.As(waitErr, &ee):
		return res, fmt.Errorf("%s: %w", tool, waitErr)
	}
	return res, nil
}

// tempFile returns an unnamed file in the test's directory, for output.
func (r *rt) tempFile() *os.File {
	r.t.Helper()
	f, err := outputFile(r.base)
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// outputFile returns an unnamed file in dir for a tool's output. It is
// opened for appending, so what a container writes after we read always
// lands at the end, and readOutput reads it with pread, leaving the
// offset the container shares alone.
func outputFile(dir string) (*os.File, error) {
	tmp, err := os.CreateTemp(dir, "io-")
	if err != nil {
		return nil, err
	}
	defer tmp.Close()
	defer os.Remove(tmp.Name())
	return os.OpenFile(tmp.Name(), os.O_RDWR|os.O_APPEND, 0)
}

func readOutput(f *os.File) (string, error) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	return string(b), err
}

func readAll(t *testing.T, f *os.File) string {
	t.Helper()
	s, err := readOutput(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oci runs a tool with this test's --root.
func (r *rt) oci(tool string, args ...string) result {
	r.t.Helper()
	return r.exec(runOpts{}, tool, append([]string{"--root", r.root}, args...)...)
}

// must runs a tool with this test's --root and fails the test unless it
// succeeds; it returns the tool's stdout.
func (r *rt) must(tool string, args ...string) string {
	r.t.Helper()
	res := r.oci(tool, args...)
	if res.code != 0 {
		r.t.Fatalf("%s %s: %s", tool, strings.Join(args, " "), res)
	}
	return res.stdout
}

// stateView is a state as the tools print it.
type stateView struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     string            `json:"created"`
	Annotations map[string]string `json:"annotations"`
}

// parseState decodes one line of state output.
func parseState(t *testing.T, line string) stateView {
	t.Helper()
	var v stateView
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &v); err != nil {
		t.Fatalf("state output %q: %v", line, err)
	}
	return v
}

// state returns a container's state through oci-state.
func (r *rt) state(id string) stateView {
	r.t.Helper()
	return parseState(r.t, r.must("oci-state", id))
}

// waitStatus polls oci-state until the container has the status want.
func (r *rt) waitStatus(id, want string) stateView {
	r.t.Helper()
	var last stateView
	eventually(r.t, fmt.Sprintf("container %s to be %s", id, want), func() bool {
		last = r.state(id)
		return last.Status == want
	})
	return last
}

// eventually polls cond until it holds. The bound only keeps a broken
// runtime from hanging the suite; no test depends on how long it takes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// errLine checks that a failed tool reported exactly one line on stderr,
// starting with "TOOL: container "ID"" and holding each of want.
func errLine(t *testing.T, res result, tool, id string, want ...string) {
	t.Helper()
	msg := strings.TrimSuffix(res.stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("%s: want one error line, got %q", tool, res.stderr)
		return
	}
	prefix := fmt.Sprintf("%s: container %q: ", tool, id)
	if !strings.HasPrefix(msg, prefix) {
		t.Errorf("%s: error %q does not start with %q", tool, msg, prefix)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: error %q does not mention %q", tool, msg, w)
		}
	}
	// A part said twice in a row ("exec "x": exec "x": ...") is an error
	// wrapped twice with the same context.
	parts := strings.Split(msg, ": ")
	for i := 1; i < len(parts); i++ {
		if parts[i] == parts[i-1] {
			t.Errorf("%s: error %q repeats %q", tool, msg, parts[i])
		}
	}
}

// readDirNames lists a directory's entries.
func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}
