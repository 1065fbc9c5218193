package rootfs

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// perMountFlags are the flags that belong to one mount rather than to its
// filesystem: a bind remount (MS_BIND|MS_REMOUNT) can change them, and a
// bind mount starts with its source's values.
const perMountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW

// atimeFlags form one setting: naming any of them replaces the whole mode.
const atimeFlags = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

// lockableFlags are the per-mount flags the kernel locks when a mount
// namespace is created for a less privileged user namespace; a remount
// that would clear one of them fails with EPERM.
const lockableFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | atimeFlags | unix.MS_NODIRATIME

// mountOpts is a spec mount's options sorted into what each system call
// needs.
type mountOpts struct {
	flags       uintptr   // MS_* flags to set
	touched     uintptr   // per-mount flags the options named, set or cleared
	propagation []uintptr // MS_SHARED, MS_SLAVE... (with MS_REC for r-variants), in order
	rec         unix.MountAttr
	data        []string // everything else, for the filesystem
	// Runtime extensions, never passed to the kernel (extensions_linux.go).
	copyUp      bool // tmpcopyup: fill a new tmpfs with what it covers
	copySymlink bool // copy-symlink: a bind whose source is a symlink makes that symlink
	idmap       bool // idmap, ridmap: the runtime made the bind, id-mapped (idmap_linux.go)
}

// bind reports whether the options ask for a bind mount.
func (o *mountOpts) bind() bool { return o.flags&unix.MS_BIND != 0 }

// needsRemount reports whether a bind mount needs a second, remounting
// call: mount(2) ignores every flag but MS_REC beside MS_BIND.
func (o *mountOpts) needsRemount() bool { return o.touched&perMountFlags != 0 }

// hasRec reports whether recursive attributes must be applied.
func (o *mountOpts) hasRec() bool { return o.rec.Attr_set != 0 || o.rec.Attr_clr != 0 }

// dataString joins the filesystem options for mount(2).
func (o *mountOpts) dataString() string { return strings.Join(o.data, ",") }

type flagOpt struct {
	flag  uintptr
	clear bool
}

var flagOptions = map[string]flagOpt{
	"ro":            {unix.MS_RDONLY, false},
	"rw":            {unix.MS_RDONLY, true},
	"nosuid":        {unix.MS_NOSUID, false},
	"suid":          {unix.MS_NOSUID, true},
	"nodev":         {unix.MS_NODEV, false},
	"dev":           {unix.MS_NODEV, true},
	"noexec":        {unix.MS_NOEXEC, false},
	"exec":          {unix.MS_NOEXEC, true},
	"sync":          {unix.MS_SYNCHRONOUS, false},
	"async":         {unix.MS_SYNCHRONOUS, true},
	"dirsync":       {unix.MS_DIRSYNC, false},
	"remount":       {unix.MS_REMOUNT, false},
	"mand":          {unix.MS_MANDLOCK, false},
	"nomand":        {unix.MS_MANDLOCK, true},
	"noatime":       {unix.MS_NOATIME, false},
	"atime":         {unix.MS_NOATIME, true},
	"nodiratime":    {unix.MS_NODIRATIME, false},
	"diratime":      {unix.MS_NODIRATIME, true},
	"relatime":      {unix.MS_RELATIME, false},
	"norelatime":    {unix.MS_RELATIME, true},
	"strictatime":   {unix.MS_STRICTATIME, false},
	"nostrictatime": {unix.MS_STRICTATIME, true},
	"nosymfollow":   {unix.MS_NOSYMFOLLOW, false},
	"symfollow":     {unix.MS_NOSYMFOLLOW, true},
	"lazytime":      {unix.MS_LAZYTIME, false},
	"nolazytime":    {unix.MS_LAZYTIME, true},
	"iversion":      {unix.MS_I_VERSION, false},
	"noiversion":    {unix.MS_I_VERSION, true},
	"silent":        {unix.MS_SILENT, false},
	"loud":          {unix.MS_SILENT, true},
	"bind":          {unix.MS_BIND, false},
	"rbind":         {unix.MS_BIND | unix.MS_REC, false},
}

var propagationOptions = map[string]uintptr{
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recOptions map to mount_setattr(2) attributes applied with AT_RECURSIVE,
// so they reach every mount below a recursive bind, which MS_REMOUNT
// cannot. The access-time mode is one field, not a set of bits: changing
// it means clearing all of MOUNT_ATTR__ATIME and setting the new mode.
// "ratime" and "rnostrictatime" return to the kernel's default, relatime;
// "rnorelatime" asks for full access-time updates, strictatime.
var recOptions = map[string]unix.MountAttr{
	"rro":            {Attr_set: unix.MOUNT_ATTR_RDONLY},
	"rrw":            {Attr_clr: unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {Attr_set: unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {Attr_clr: unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {Attr_set: unix.MOUNT_ATTR_NODEV},
	"rdev":           {Attr_clr: unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {Attr_set: unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {Attr_clr: unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {Attr_set: unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {Attr_clr: unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow":   {Attr_set: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {Attr_clr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rnoatime":       {Attr_set: unix.MOUNT_ATTR_NOATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
	"ratime":         {Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
	"rrelatime":      {Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
	"rnorelatime":    {Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
	"rstrictatime":   {Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
	"rnostrictatime": {Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
}

// parseOptions sorts a spec mount's options. Later options win over
// earlier ones, as with mount(8). The runtime extensions runc and crun
// define are handled or refused (extensions_linux.go), never passed on;
// options it does not know go to the filesystem as data (size=65536k,
// mode=755, newinstance...).
func parseOptions(options []string) (*mountOpts, error) {
	o := &mountOpts{}
	for _, opt := range options {
		if f, ok := flagOptions[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
			} else {
				o.flags |= f.flag
			}
			touched := f.flag & perMountFlags
			if touched&atimeFlags != 0 {
				touched |= atimeFlags
			}
			if f.flag&atimeFlags != 0 && !f.clear {
				// Setting one access-time mode unsets the others.
				o.flags &^= atimeFlags &^ f.flag
			}
			o.touched |= touched
			continue
		}
		if p, ok := propagationOptions[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if a, ok := recOptions[opt]; ok {
			// Later options win: what this one clears leaves the set
			// bits (so a new access-time mode replaces the old one) and
			// what it sets leaves the cleared bits.
			o.rec.Attr_set = o.rec.Attr_set&^a.Attr_clr | a.Attr_set
			o.rec.Attr_clr = o.rec.Attr_clr&^a.Attr_set | a.Attr_clr
			continue
		}
		if set, ok := extensionOptions[opt]; ok {
			set(o)
			continue
		}
		if err := refusedOption(opt); err != nil {
			return nil, err
		}
		if opt == "" {
			continue
		}
		o.data = append(o.data, opt)
	}
	return o, nil
}

// propagationFlag returns the mount(2) flag for a linux.rootfsPropagation
// value.
func propagationFlag(name string) (uintptr, error) {
	if p, ok := propagationOptions[name]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("unknown rootfs propagation %q", name)
}

// st* are statfs(2) f_flags bits missing from x/sys/unix.
const stNoSymFollow = 0x2000

// statfsFlags turns statfs f_flags into the per-mount MS_* flags that a
// bind remount must repeat to keep them.
func statfsFlags(f int64) uintptr {
	var fl uintptr
	for st, ms := range map[int64]uintptr{
		unix.ST_RDONLY:     unix.MS_RDONLY,
		unix.ST_NOSUID:     unix.MS_NOSUID,
		unix.ST_NODEV:      unix.MS_NODEV,
		unix.ST_NOEXEC:     unix.MS_NOEXEC,
		unix.ST_NOATIME:    unix.MS_NOATIME,
		unix.ST_NODIRATIME: unix.MS_NODIRATIME,
		unix.ST_RELATIME:   unix.MS_RELATIME,
		stNoSymFollow:      unix.MS_NOSYMFOLLOW,
	} {
		if f&st != 0 {
			fl |= ms
		}
	}
	// Neither noatime nor relatime means strictatime. A remount without
	// MS_STRICTATIME would fall back to relatime, and where the access
	// time mode is locked that change is refused.
	if fl&(unix.MS_NOATIME|unix.MS_RELATIME) == 0 {
		fl |= unix.MS_STRICTATIME
	}
	return fl
}

// remountFlags computes the flags of a bind remount: what the options ask
// for, plus every per-mount flag the mount has now that the options did
// not name. Keeping the current flags matters twice: in a user namespace
// the kernel refuses to clear a locked flag (nosuid, nodev, noexec,
// noatime... inherited from the host), and everywhere a "bind,ro" of a
// nosuid source must not quietly become suid.
func remountFlags(want, touched, current uintptr) uintptr {
	return unix.MS_BIND | unix.MS_REMOUNT | want&perMountFlags | current&perMountFlags&^touched
}

// flagNames names the lockable flags in mask, for error messages.
func flagNames(mask uintptr) string {
	var names []string
	for _, f := range []struct {
		flag uintptr
		name string
	}{
		{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"},
		{unix.MS_NOEXEC, "noexec"}, {unix.MS_NOATIME, "noatime"}, {unix.MS_NODIRATIME, "nodiratime"},
		{unix.MS_RELATIME, "relatime"}, {unix.MS_STRICTATIME, "strictatime"},
	} {
		if mask&f.flag != 0 {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ",")
}

// MountOptions lists the mount options this package knows (flags,
// propagation, recursive attributes and the runtime extensions it
// implements), sorted, for `features`.
func MountOptions() []string {
	var names []string
	for n := range flagOptions {
		names = append(names, n)
	}
	for n := range propagationOptions {
		names = append(names, n)
	}
	for n := range recOptions {
		names = append(names, n)
	}
	for n := range extensionOptions {
		if n != "notmpcopyup" { // an engine's word, not a runtime feature
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
