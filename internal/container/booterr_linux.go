package container

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// userNSHints say why unshare(CLONE_NEWUSER) fails, by errno, with what
// the user can do about it. The constructor reports the C library's
// strerror text, so they are matched by that text.
var userNSHints = []struct {
	errno unix.Errno
	hint  string
}{
	// The per-namespace count limit, which is also how a distribution
	// turns user namespaces off (the sysctl set to 0).
	{unix.ENOSPC, "user namespaces are disabled or used up: sysctl user.max_user_namespaces must be above 0 and above the number in use"},
	// Debian's kernel.unprivileged_userns_clone=0, Ubuntu's AppArmor
	// kernel.apparmor_restrict_unprivileged_userns=1, a seccomp filter of
	// an enclosing sandbox, or a chrooted caller.
	{unix.EPERM, "user namespaces are not allowed for this user here: check sysctl kernel.unprivileged_userns_clone (Debian), kernel.apparmor_restrict_unprivileged_userns (Ubuntu), or the sandbox the runtime runs in"},
	// The kernel nests user namespaces at most 32 deep.
	{unix.EUSERS, "user namespaces are nested too deep (the kernel allows 32 levels): run the container from a shallower namespace"},
}

// explainBootError adds a hint to a bootstrap failure the user can act
// on; other errors are returned unchanged.
func explainBootError(err error) error {
	const userNS = "create user namespace: "
	msg := err.Error()
	if !strings.HasPrefix(msg, userNS) {
		return err
	}
	reason := msg[len(userNS):]
	for _, h := range userNSHints {
		if strings.EqualFold(reason, h.errno.Error()) {
			return fmt.Errorf("%w (%s)", err, h.hint)
		}
	}
	return err
}
