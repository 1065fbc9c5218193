package rootfs

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		options     []string
		flags       uintptr
		touched     uintptr
		propagation []uintptr
		rec         unix.MountAttr
		data        string
	}{
		{options: nil},
		{
			options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"},
			flags:   unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RELATIME | unix.MS_RDONLY,
			touched: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | atimeFlags | unix.MS_RDONLY,
		},
		{
			options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
			flags:   unix.MS_NOSUID | unix.MS_STRICTATIME,
			touched: unix.MS_NOSUID | atimeFlags,
			data:    "mode=755,size=65536k",
		},
		// Later options win.
		{options: []string{"ro", "rw"}, touched: unix.MS_RDONLY},
		{options: []string{"nosuid", "suid", "exec", "noexec"}, flags: unix.MS_NOEXEC, touched: unix.MS_NOSUID | unix.MS_NOEXEC},
		{options: []string{"noatime", "relatime"}, flags: unix.MS_RELATIME, touched: atimeFlags},
		{options: []string{"noatime", "atime"}, touched: atimeFlags},
		{options: []string{"sync", "async", "dirsync", "mand"}, flags: unix.MS_DIRSYNC | unix.MS_MANDLOCK},
		{options: []string{"nodiratime", "nosymfollow"}, flags: unix.MS_NODIRATIME | unix.MS_NOSYMFOLLOW, touched: unix.MS_NODIRATIME | unix.MS_NOSYMFOLLOW},
		{options: []string{"bind"}, flags: unix.MS_BIND},
		{options: []string{"rbind", "ro"}, flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, touched: unix.MS_RDONLY},
		{options: []string{"remount", "bind", "ro"}, flags: unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY, touched: unix.MS_RDONLY},
		{
			options:     []string{"rshared", "slave", "runbindable", "private"},
			propagation: []uintptr{unix.MS_SHARED | unix.MS_REC, unix.MS_SLAVE, unix.MS_UNBINDABLE | unix.MS_REC, unix.MS_PRIVATE},
		},
		{options: []string{"rro", "rnosuid", "rnodev", "rnoexec"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}},
		{options: []string{"rro", "rrw"}, rec: unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}},
		{options: []string{"rsuid", "rdev", "rexec", "rsymfollow"}, rec: unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{options: []string{"rnosymfollow", "rnodiratime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSYMFOLLOW | unix.MOUNT_ATTR_NODIRATIME}},
		// An access-time mode clears the whole field and sets one value.
		{options: []string{"rnoatime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"rnoatime", "rstrictatime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"rstrictatime", "rrelatime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"rro", "ratime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"rnorelatime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"rnostrictatime"}, rec: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{options: []string{"newinstance", "ptmxmode=0666", "", "gid=5"}, data: "newinstance,ptmxmode=0666,gid=5"},
	} {
		t.Run(strings.Join(tc.options, ","), func(t *testing.T) {
			o, err := parseOptions(tc.options)
			if err != nil {
				t.Fatal(err)
			}
			if o.flags != tc.flags || o.touched != tc.touched {
				t.Errorf("flags %#x touched %#x, want %#x %#x", o.flags, o.touched, tc.flags, tc.touched)
			}
			if !slices.Equal(o.propagation, tc.propagation) {
				t.Errorf("propagation %#x, want %#x", o.propagation, tc.propagation)
			}
			if o.rec != tc.rec {
				t.Errorf("recursive attributes %+v, want %+v", o.rec, tc.rec)
			}
			if o.dataString() != tc.data {
				t.Errorf("data %q, want %q", o.dataString(), tc.data)
			}
		})
	}
}

// idmap and ridmap are extensions the runtime acts on; crun's form with
// the mappings inline is refused.
func TestParseOptionsIdmap(t *testing.T) {
	for _, opt := range []string{"idmap", "ridmap"} {
		o, err := parseOptions([]string{"rbind", opt})
		if err != nil || !o.idmap || len(o.data) != 0 {
			t.Errorf("%s: %+v, %v; want idmap and no data", opt, o, err)
		}
		if err := checkExtensions("bind", o); err != nil {
			t.Errorf("%s on a bind: %v", opt, err)
		}
		if err := checkExtensions("tmpfs", o); err == nil {
			t.Errorf("%s on a tmpfs: accepted", opt)
		}
	}
	for _, opts := range [][]string{{"bind", "idmap", "remount"}, {"bind", "ridmap", "copy-symlink"}} {
		o, err := parseOptions(opts)
		if err == nil {
			err = checkExtensions("bind", o)
		}
		if err == nil {
			t.Errorf("%v: accepted", opts)
		}
	}
	for _, opt := range []string{"idmap=uids=0-1-10;gids=0-100-10", "ridmap=uids=0-1-1"} {
		_, err := parseOptions([]string{"rbind", opt})
		if err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: err = %v, want not supported", opt, err)
		}
	}
}

// The runtime extensions never reach the kernel as data.
func TestParseOptionsExtensions(t *testing.T) {
	for _, tc := range []struct {
		options     []string
		copyUp      bool
		copySymlink bool
		flags       uintptr
		data        string
	}{
		{options: []string{"rw", "nosuid", "tmpcopyup", "mode=755"}, copyUp: true, flags: unix.MS_NOSUID, data: "mode=755"},
		{options: []string{"tmpcopyup", "notmpcopyup"}},
		{options: []string{"notmpcopyup", "tmpcopyup"}, copyUp: true},
		{options: []string{"bind", "copy-symlink"}, copySymlink: true, flags: unix.MS_BIND},
		{options: []string{"defaults", "size=1m"}, data: "size=1m"},
		{options: []string{"lazytime", "iversion", "silent"}, flags: unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT},
		{options: []string{"lazytime", "nolazytime", "iversion", "noiversion", "silent", "loud"}},
	} {
		t.Run(strings.Join(tc.options, ","), func(t *testing.T) {
			o, err := parseOptions(tc.options)
			if err != nil {
				t.Fatal(err)
			}
			if o.copyUp != tc.copyUp || o.copySymlink != tc.copySymlink || o.flags != tc.flags || o.dataString() != tc.data {
				t.Errorf("copyUp %v copySymlink %v flags %#x data %q, want %v %v %#x %q",
					o.copyUp, o.copySymlink, o.flags, o.dataString(), tc.copyUp, tc.copySymlink, tc.flags, tc.data)
			}
		})
	}
}

func TestParseOptionsRefused(t *testing.T) {
	for _, opt := range []string{"src-nofollow", "dest-nofollow", "rsync", "rasync", "rdirsync", "rmand", "rnomand"} {
		_, err := parseOptions([]string{"bind", opt})
		if err == nil || !strings.Contains(err.Error(), "not supported") || !strings.Contains(err.Error(), opt) {
			t.Errorf("%s: err = %v, want not supported", opt, err)
		}
	}
}

func TestCheckExtensions(t *testing.T) {
	for _, tc := range []struct {
		fstype, options, wantErr string
	}{
		{"tmpfs", "tmpcopyup,ro", ""},
		{"bind", "rbind,tmpcopyup", "only for tmpfs"},
		{"proc", "tmpcopyup", "only for tmpfs"},
		{"tmpfs", "remount,tmpcopyup", "remount"},
		{"bind", "bind,copy-symlink", ""},
		{"tmpfs", "copy-symlink", "only for bind"},
	} {
		o, err := parseOptions(strings.Split(tc.options, ","))
		if err != nil {
			t.Fatal(err)
		}
		err = checkExtensions(tc.fstype, o)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s %s: err = %v, want %q", tc.fstype, tc.options, err, tc.wantErr)
		}
	}
}

func TestMountOptions(t *testing.T) {
	names := MountOptions()
	if !slices.IsSorted(names) {
		t.Error("not sorted")
	}
	for _, want := range []string{"tmpcopyup", "copy-symlink", "idmap", "ridmap", "rro", "rshared", "nosymfollow", "lazytime"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s missing from %v", want, names)
		}
	}
	for _, refused := range []string{"notmpcopyup", "src-nofollow"} {
		if slices.Contains(names, refused) {
			t.Errorf("%s listed", refused)
		}
	}
}

func TestNeedsRemount(t *testing.T) {
	for opts, want := range map[string]bool{
		"bind": false, "rbind": false, "bind,rshared": false, "bind,rro": false,
		"bind,ro": true, "rbind,nosuid": true, "bind,rw": true, "bind,noatime": true,
	} {
		o, err := parseOptions(strings.Split(opts, ","))
		if err != nil {
			t.Fatal(err)
		}
		if o.needsRemount() != want {
			t.Errorf("%s: needsRemount = %v, want %v", opts, !want, want)
		}
	}
}

func TestPropagationFlag(t *testing.T) {
	if f, err := propagationFlag("rslave"); err != nil || f != unix.MS_SLAVE|unix.MS_REC {
		t.Errorf("rslave: %#x, %v", f, err)
	}
	if _, err := propagationFlag("sideways"); err == nil {
		t.Error("unknown propagation accepted")
	}
}

func TestStatfsFlags(t *testing.T) {
	for _, tc := range []struct {
		st   int64
		want uintptr
	}{
		{0, unix.MS_STRICTATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_NOATIME,
			unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME},
		{unix.ST_NODIRATIME | unix.ST_RELATIME | stNoSymFollow | unix.ST_SYNCHRONOUS,
			unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW},
	} {
		if got := statfsFlags(tc.st); got != tc.want {
			t.Errorf("statfsFlags(%#x) = %#x, want %#x", tc.st, got, tc.want)
		}
	}
}

func TestRemountFlags(t *testing.T) {
	current := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME)
	for _, tc := range []struct {
		options string
		want    uintptr
	}{
		// "ro" keeps the mount's locked flags.
		{"bind,ro", unix.MS_RDONLY | current},
		// Naming a flag's opposite drops it; the kernel decides whether
		// that is allowed.
		{"bind,ro,suid", unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME},
		// An access-time option replaces the whole mode.
		{"bind,relatime", unix.MS_RELATIME | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
		{"bind,strictatime", unix.MS_STRICTATIME | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
	} {
		o, err := parseOptions(strings.Split(tc.options, ","))
		if err != nil {
			t.Fatal(err)
		}
		want := unix.MS_BIND | unix.MS_REMOUNT | tc.want
		if got := remountFlags(o.flags, o.touched, current); got != want {
			t.Errorf("%s: %#x, want %#x", tc.options, got, want)
		}
	}
}

func TestFlagNames(t *testing.T) {
	if got := flagNames(unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_BIND); got != "nosuid,noexec" {
		t.Errorf("flagNames = %q", got)
	}
}

func TestRecursiveFromFlags(t *testing.T) {
	a := recursiveFromFlags(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_RELATIME)
	if a.Attr_set != unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID || a.Attr_clr != 0 {
		t.Errorf("recursiveFromFlags = %+v", a)
	}
}
