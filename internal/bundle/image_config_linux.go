package bundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// AnnotationStopSignal is where the image's StopSignal goes, as the
// image-spec conversion document says.
const AnnotationStopSignal = "org.opencontainers.image.stopSignal"

// defaultPath is set when the image's environment has no PATH, so that
// args[0] can still be looked up as the default config would.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// maxIDFile bounds how much of the image's /etc/passwd or /etc/group is
// read: the image is untrusted and could make them huge.
const maxIDFile = 4 << 20

// applyImageConfig fills s from the image configuration following the
// image-spec conversion document. rootfs is the unpacked root, where the
// user and group names are looked up.
func applyImageConfig(s *specs.Spec, c *imagespec.Image, rootfs string) error {
	p := s.Process
	p.Terminal = false
	if args := slices.Concat(c.Config.Entrypoint, c.Config.Cmd); len(args) > 0 {
		p.Args = args
	}
	if len(c.Config.Env) > 0 {
		p.Env = slices.Clone(c.Config.Env)
	}
	if !slices.ContainsFunc(p.Env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) {
		p.Env = append([]string{defaultPath}, p.Env...)
	}
	p.Env = slices.DeleteFunc(p.Env, func(e string) bool { return e == "TERM=xterm" })
	if c.Config.WorkingDir != "" {
		p.Cwd = c.Config.WorkingDir
	}
	user, err := resolveUser(rootfs, c.Config.User)
	if err != nil {
		return err
	}
	p.User = user

	ann := map[string]string{}
	for k, v := range c.Config.Labels {
		ann[k] = v
	}
	// The conversion document lets labels be overridden by the
	// annotations it defines from the configuration's own fields.
	set := func(k, v string) {
		if v != "" {
			ann[k] = v
		}
	}
	set("org.opencontainers.image.os", c.OS)
	set("org.opencontainers.image.architecture", c.Architecture)
	set("org.opencontainers.image.variant", c.Variant)
	set("org.opencontainers.image.os.version", c.OSVersion)
	set("org.opencontainers.image.author", c.Author)
	if c.Created != nil {
		set("org.opencontainers.image.created", c.Created.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	set(AnnotationStopSignal, c.Config.StopSignal)
	if len(c.Config.ExposedPorts) > 0 {
		ports := make([]string, 0, len(c.Config.ExposedPorts))
		for port := range c.Config.ExposedPorts {
			ports = append(ports, port)
		}
		slices.Sort(ports)
		set("org.opencontainers.image.exposedPorts", strings.Join(ports, ","))
	}
	if len(ann) > 0 {
		s.Annotations = ann
	}
	return nil
}

// resolveUser turns the image's User (user, uid, user:group, uid:gid and
// the mixed forms) into IDs, looking names up in the image's own
// /etc/passwd and /etc/group. With no group given, the user's primary
// group and the groups listing the user are used, as a login would.
func resolveUser(rootfs, spec string) (specs.User, error) {
	if spec == "" {
		return specs.User{}, nil
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	var u specs.User
	passwd, err := readIDFile(rootfs, "/etc/passwd")
	if err != nil {
		return u, err
	}
	name := ""
	if id, ok := parseID(userPart); ok {
		u.UID = id
		if e, found := findEntry(passwd, func(e []string) bool { return e[2] == userPart }); found {
			name = e[0]
			if gid, ok := parseID(e[3]); ok {
				u.GID = gid
			}
		}
	} else {
		e, found := findEntry(passwd, func(e []string) bool { return e[0] == userPart })
		if !found {
			return u, fmt.Errorf("image user %q: no such user in the image's /etc/passwd", spec)
		}
		uid, ok1 := parseID(e[2])
		gid, ok2 := parseID(e[3])
		if !ok1 || !ok2 {
			return u, fmt.Errorf("image user %q: bad /etc/passwd entry %q", spec, strings.Join(e, ":"))
		}
		name, u.UID, u.GID = userPart, uid, gid
	}
	var group []byte
	if hasGroup || name != "" {
		if group, err = readIDFile(rootfs, "/etc/group"); err != nil {
			return u, err
		}
	}
	if hasGroup {
		if id, ok := parseID(groupPart); ok {
			u.GID = id
			return u, nil
		}
		e, found := findEntry(group, func(e []string) bool { return e[0] == groupPart })
		gid, ok := uint32(0), false
		if found {
			gid, ok = parseID(e[2])
		}
		if !ok {
			return u, fmt.Errorf("image user %q: no such group in the image's /etc/group", spec)
		}
		u.GID = gid
		return u, nil
	}
	if name != "" {
		eachEntry(group, func(e []string) {
			if len(e) < 4 || !slices.Contains(strings.Split(e[3], ","), name) {
				return
			}
			if gid, ok := parseID(e[2]); ok && gid != u.GID && !slices.Contains(u.AdditionalGids, gid) {
				u.AdditionalGids = append(u.AdditionalGids, gid)
			}
		})
	}
	return u, nil
}

func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// readIDFile reads /etc/passwd or /etc/group of the image. The path is
// resolved inside rootfs (a symlink to /etc/shadow of the host resolves
// to the image's own), and only a regular file is opened for reading, so
// a FIFO planted there cannot block the create. A missing file is empty.
func readIDFile(rootfs, name string) ([]byte, error) {
	h, err := pathrs.OpenInRoot(rootfs, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	defer h.Close()
	fi, err := h.Stat()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("image %s: not a regular file", name)
	}
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxIDFile+1))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	if len(data) > maxIDFile {
		return nil, fmt.Errorf("image %s: larger than %d bytes", name, maxIDFile)
	}
	return data, nil
}

// eachEntry calls fn with the colon-separated fields of each line of
// passwd or group that has at least four.
func eachEntry(data []byte, fn func([]string)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxIDFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Split(line, ":"); len(f) >= 4 {
			fn(f)
		}
	}
}

func findEntry(data []byte, match func([]string) bool) ([]string, bool) {
	var found []string
	eachEntry(data, func(e []string) {
		if found == nil && match(e) {
			found = e
		}
	})
	return found, found != nil
}
