package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "rusage: usage: rusage PROGRAM [ARG...]")
		return 2
	}
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "rusage: start %q: %v\n", argv[0], err)
		return 2
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &ws, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rusage: wait4 %d: %v\n", pid, err)
		return 2
	}
	cpu := ru.Utime.Nano() + ru.Stime.Nano()
	// After whatever the child wrote, on a line of its own.
	fmt.Fprintf(os.Stderr, "\nrusage-helper: maxrss_kb=%d cpu_ns=%d\n", ru.Maxrss, cpu)
	if ws.Exited() {
		return ws.ExitStatus()
	}
	return 128 + int(ws.Signal())
}
