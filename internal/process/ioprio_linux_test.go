package process

import (
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestIOPrio(t *testing.T) {
	for _, tc := range []struct {
		p    specs.LinuxIOPriority
		want int
	}{
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 0}, 1 << 13},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}, 2<<13 | 4},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 7}, 3<<13 | 7},
	} {
		if got, err := IOPrio(&tc.p); err != nil || got != tc.want {
			t.Errorf("%+v: got %#x, %v, want %#x", tc.p, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		p    specs.LinuxIOPriority
		want string
	}{
		{specs.LinuxIOPriority{Class: "IOPRIO_CLASS_NONE"}, `process.ioPriority.class "IOPRIO_CLASS_NONE"`},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}, "process.ioPriority.priority 8: must be 0 to 7"},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: -1}, "process.ioPriority.priority -1"},
	} {
		if _, err := IOPrio(&tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.p, err, tc.want)
		}
	}
}

// TestSetIOPriority sets the best-effort class, level 6, which needs no
// privilege, on a thread that dies with its goroutine, and reads it back
// with ioprio_get.
func TestSetIOPriority(t *testing.T) {
	done := make(chan error)
	var got uintptr
	go func() {
		runtime.LockOSThread()
		if err := SetIOPriority(&specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}); err != nil {
			done <- err
			return
		}
		r, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_GET, ioprioWhoProcess, 0, 0)
		got = r
		if errno != 0 {
			done <- errno
			return
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := uintptr(2<<13 | 6); got != want {
		t.Errorf("ioprio_get = %#x, want %#x", got, want)
	}
}
