package vm

import (
	"debug/elf"
	"fmt"
)

// checkStatic fails when path is not an ELF executable or asks for a
// program interpreter (the dynamic loader): the guest has no libc, and a
// dynamic binary there would fail with a bare "not found" far from here.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%q: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%q is dynamically linked; the guest has no libc (build it static, as make build does)", path)
		}
	}
	return nil
}
