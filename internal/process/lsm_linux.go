package process

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"

	"golang.org/x/sys/unix"
)

// labelWrite is one write SetExecLabel makes: value to
// /proc/thread-self/attr/<rel>, or to <fallback> when the kernel has no
// such file, for the spec's field.
type labelWrite struct {
	field    string
	label    string // as the spec gives it, for messages
	rel      string
	fallback string
	value    string
}

// execLabelWrites lists the writes that give the next execve the spec's
// labels. AppArmor has its own attr/apparmor/exec since Linux 5.1, which
// reaches AppArmor whatever other LSM comes first; older kernels only have
// the shared attr/exec. SELinux uses the shared attr/exec.
func execLabelWrites(apparmor, selinux string) []labelWrite {
	var ws []labelWrite
	if apparmor != "" {
		ws = append(ws, labelWrite{field: "process.apparmorProfile", label: apparmor, rel: "attr/apparmor/exec", fallback: "attr/exec", value: "exec " + apparmor})
	}
	if selinux != "" {
		ws = append(ws, labelWrite{field: "process.selinuxLabel", label: selinux, rel: "attr/exec", value: selinux})
	}
	return ws
}

// attrWriter writes a file of /proc/thread-self: *ProcFS, or a fake in
// tests. missing says the file itself is absent, apart from a write the
// security module refused with ENOENT (AppArmor's answer for a profile it
// does not know).
type attrWriter interface {
	writeSelfAttr(rel, value string) (missing bool, err error)
}

// writeSelfAttr writes value to /proc/thread-self/rel. The kernel takes a
// write to a thread's attr files from that thread only, so the thread is
// locked from the open to the write.
func (p *ProcFS) writeSelfAttr(rel, value string) (bool, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f, err := p.openSelf(rel, unix.O_WRONLY)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist), err
	}
	defer f.Close()
	return false, writeAll(f, value)
}

// SetExecLabel makes the next execve of the calling thread run the
// program under the AppArmor profile and the SELinux label given (either
// may be empty). The label is the thread's until it execs: the caller
// execs the program from this thread next, running nothing else in
// between (no waiter, which would be the one confined otherwise).
//
// The attr files are reached through a verified procfs (OpenProcFS), not
// the path /proc/self/attr: there the container's /proc, or a mount the
// spec placed over it, could take the write, and the program would run
// unconfined without a word (CVE-2019-16884).
func SetExecLabel(apparmor, selinux string) error {
	ws := execLabelWrites(apparmor, selinux)
	if len(ws) == 0 {
		return nil
	}
	proc, err := OpenProcFS()
	if err != nil {
		return fmt.Errorf("%s: %w", ws[0].field, err)
	}
	defer proc.Close()
	return writeExecLabels(proc, ws)
}

func writeExecLabels(w attrWriter, ws []labelWrite) error {
	for _, l := range ws {
		missing, err := w.writeSelfAttr(l.rel, l.value)
		if missing && l.fallback != "" {
			_, err = w.writeSelfAttr(l.fallback, l.value)
		}
		if err != nil {
			return fmt.Errorf("%s %q: %w", l.field, l.label, explainLabel(err))
		}
	}
	return nil
}

// explainLabel says what the kernel's answers mean for a label.
func explainLabel(err error) error {
	switch {
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("no such profile or label loaded (%w)", err)
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("the kernel's security module does not take it (not active, or the label is malformed) (%w)", err)
	}
	return err
}
