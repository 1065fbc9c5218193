// Command sechelper runs inside the integration tests' containers the few
// things busybox cannot do. The tests build it with CGO_ENABLED=0, so it
// runs in a busybox root filesystem:
//
//	sechelper swap DIR      exchange DIR/d and DIR/l (renameat2
//	                        RENAME_EXCHANGE) until DIR/stop exists, then
//	                        print "swaps N"
//	sechelper sysnr NR...   call each system call number with zero
//	                        arguments and print "NR ERRNO" (or "NR ok")
//	sechelper killthread    call sysinfo(2) from a second thread, wait for
//	                        that thread to be gone, print "process alive"
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sechelper swap DIR | sysnr NR... | killthread")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "swap":
		err = swap(os.Args[2])
	case "sysnr":
		err = sysnr(os.Args[2:])
	case "killthread":
		err = killThread()
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sechelper: %v\n", err)
		os.Exit(1)
	}
}

// swap flips DIR/d between a directory and a symlink to / by exchanging
// it with DIR/l, atomically, so d always exists and is one or the other.
func swap(dir string) error {
	d, l, stop := filepath.Join(dir, "d"), filepath.Join(dir, "l"), filepath.Join(dir, "stop")
	if err := os.Mkdir(d, 0o755); err != nil {
		return err
	}
	if err := os.Symlink("/", l); err != nil {
		return err
	}
	// Say the volume is ready only once both names exist.
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644); err != nil {
		return err
	}
	n := 0
	for ; ; n++ {
		if n%64 == 0 {
			if _, err := os.Lstat(stop); err == nil {
				break
			}
		}
		if err := unix.Renameat2(unix.AT_FDCWD, d, unix.AT_FDCWD, l, unix.RENAME_EXCHANGE); err != nil {
			return fmt.Errorf("exchange %s and %s: %w", d, l, err)
		}
	}
	fmt.Printf("swaps %d\n", n)
	return nil
}

// sysnr calls each number with zero arguments and prints what it got.
func sysnr(args []string) error {
	for _, a := range args {
		nr, err := strconv.ParseUint(a, 10, 32)
		if err != nil {
			return err
		}
		_, _, errno := syscall.Syscall6(uintptr(nr), 0, 0, 0, 0, 0, 0)
		if errno == 0 {
			fmt.Printf("%d ok\n", nr)
			continue
		}
		fmt.Printf("%d %s\n", nr, unix.ErrnoName(errno))
	}
	return nil
}

// killThread makes a system call the filter kills from a thread of its
// own: under SCMP_ACT_KILL_THREAD that thread alone ends and this one
// prints "process alive"; under SCMP_ACT_KILL_PROCESS nothing is printed.
func killThread() error {
	// Keep the main thread for this goroutine: were the other one to run
	// on it, the thread group's leader would die, and its task stays a
	// zombie until the process ends.
	runtime.LockOSThread()
	tids := make(chan int)
	go func() {
		// The goroutine keeps its thread, so the thread that makes the
		// call is the one whose tid was sent.
		runtime.LockOSThread()
		tids <- unix.Gettid()
		// syscall.Syscall, not the raw call x/sys makes: it tells the Go
		// scheduler the thread is in a system call, so the processor it
		// held is handed on when the kernel ends the thread there.
		var info unix.Sysinfo_t
		syscall.Syscall(unix.SYS_SYSINFO, uintptr(unsafe.Pointer(&info)), 0, 0)
		fmt.Println("sysinfo returned")
	}()
	tid := <-tids
	task := fmt.Sprintf("/proc/self/task/%d", tid)
	for {
		_, err := os.Stat(task)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("process alive")
	return nil
}
