package rootfs

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Checks with parameters: each reads the scenario's Args under its name,
// a comma-separated list unless said otherwise.

func argList(e *checkEnv, key string) []string { return strings.Split(e.sc.Args[key], ",") }

func checkArgsReadOnly(e *checkEnv) error { return mustBeReadOnly(argList(e, "ro")...) }

func checkArgsWritable(e *checkEnv) error {
	for _, p := range argList(e, "rw") {
		if err := unix.Access(p, unix.W_OK); err != nil {
			return fmt.Errorf("access(%s, W_OK): %w", p, err)
		}
	}
	return nil
}

func checkArgsExist(e *checkEnv) error {
	for _, p := range argList(e, "exist") {
		if _, err := os.Lstat(p); err != nil {
			return err
		}
	}
	return nil
}

// checkArgsStDev checks "path=N" or "path!=N": the device number of the
// filesystem path is on.
func checkArgsStDev(e *checkEnv) error {
	for _, a := range argList(e, "st_dev") {
		p, want, _ := strings.Cut(a, "=")
		p, negate := strings.CutSuffix(p, "!")
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			return err
		}
		if got := fmt.Sprint(st.Dev); (got == want) == negate {
			return fmt.Errorf("%s is on device %s, want %s", p, got, a)
		}
	}
	return nil
}

// checkArgsEmpty checks that the file Args["empty"] reads as empty.
func checkArgsEmpty(e *checkEnv) error {
	data, err := readAll(e.sc.Args["empty"])
	if err == nil && len(data) != 0 {
		err = fmt.Errorf("%s holds %q", e.sc.Args["empty"], data)
	}
	return err
}

// checkArgsSelf checks that the cgroup.procs file Args["self"] lists this
// process, pid 1 of its pid namespace.
func checkArgsSelf(e *checkEnv) error {
	data, err := readAll(e.sc.Args["self"])
	if err == nil && !slices.Contains(strings.Fields(string(data)), "1") {
		err = fmt.Errorf("%s holds %q, not this process", e.sc.Args["self"], data)
	}
	return err
}

func checkArgsShared(e *checkEnv) error {
	ms, err := mountTable()
	if err != nil {
		return err
	}
	for _, p := range argList(e, "shared") {
		m, ok := topMount(ms, p)
		if !ok || !slices.ContainsFunc(m.optional, func(o string) bool { return strings.HasPrefix(o, "shared:") }) {
			return fmt.Errorf("%s is not a shared mount (%v)", p, m.optional)
		}
	}
	return nil
}

// checkMountAt checks that Args["mountat"] is a mount point of type
// Args["mountat-type"] inside the container.
func checkMountAt(e *checkEnv) error {
	ms, err := mountTable()
	if err != nil {
		return err
	}
	return expectMount(ms, e.sc.Args["mountat"], e.sc.Args["mountat-type"])
}

// checkFlags checks that Args["flags-path"] is on a mount with every
// per-mount option in Args["flags"].
func checkFlags(e *checkEnv) error {
	ms, err := mountTable()
	if err != nil {
		return err
	}
	return expectMount(ms, e.sc.Args["flags-path"], "", strings.Split(e.sc.Args["flags"], ",")...)
}

// checkDev checks the devices in Args["dev"]: comma-separated
// "path type major minor mode uid gid".
func checkDev(e *checkEnv) error {
	for _, d := range strings.Split(e.sc.Args["dev"], ",") {
		var p, typ string
		var major, minor, uid, gid uint32
		var perm uint32
		if _, err := fmt.Sscanf(d, "%s %s %d %d %o %d %d", &p, &typ, &major, &minor, &perm, &uid, &gid); err != nil {
			return fmt.Errorf("bad dev argument %q: %w", d, err)
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		ftype := map[string]uint32{"c": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}[typ]
		if st.Mode&unix.S_IFMT != ftype || st.Mode&0o7777 != perm || st.Uid != uid || st.Gid != gid ||
			typ != "p" && (unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != minor) {
			return fmt.Errorf("%s: mode %#o rdev %d:%d owner %d:%d, want %s", p, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev), st.Uid, st.Gid, d)
		}
	}
	return nil
}

// checkArgsContent checks "path=text": the file holds exactly text.
func checkArgsContent(e *checkEnv) error {
	for _, a := range argList(e, "content") {
		p, want, _ := strings.Cut(a, "=")
		data, err := readAll(p)
		if err != nil {
			return err
		}
		if string(data) != want {
			return fmt.Errorf("%s holds %q, want %q", p, data, want)
		}
	}
	return nil
}

// checkArgsTreeRO checks that every mount at or below each path of
// Args["tree-ro"] is read-only, and that there is more than one: the
// point is the mounts a recursive bind brought along.
func checkArgsTreeRO(e *checkEnv) error {
	ms, err := mountTable()
	if err != nil {
		return err
	}
	for _, p := range argList(e, "tree-ro") {
		n := 0
		for _, m := range ms {
			if m.mountpoint != p && !strings.HasPrefix(m.mountpoint, p+"/") {
				continue
			}
			n++
			if !slices.Contains(m.opts, "ro") {
				return fmt.Errorf("%s (%s) is writable: %v", m.mountpoint, m.fstype, m.opts)
			}
		}
		if n < 2 {
			return fmt.Errorf("%d mounts at or below %s, want the bind and those below it", n, p)
		}
	}
	return nil
}
