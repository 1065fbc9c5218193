// The container init's namespace step; see doc.go. Errors are sent to the
// parent as 'E' messages; the process then exits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define OCIKIT_MAGIC 0x4f43494bu /* "OCIK" */
#define MAX_JOINS 16
#define MAX_MSG (64 * 1024)

static int sock = -1;

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

// bail reports an error to the parent ('E', length, text) and exits.
static void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void bail(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (saved != 0 && (size_t)n + 2 < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (sock >= 0) {
		char hdr = 'E';
		uint32_t len = n;
		write_full(sock, &hdr, 1);
		write_full(sock, &len, sizeof(len));
		write_full(sock, msg, n);
	} else {
		fprintf(stderr, "ocikit init: %s\n", msg);
	}
	_exit(1);
}

static uint32_t take_u32(const char **p, const char *end)
{
	uint32_t v;
	if (*p + sizeof(v) > end) {
		errno = 0;
		bail("bootstrap message truncated");
	}
	memcpy(&v, *p, sizeof(v));
	*p += sizeof(v);
	return v;
}

// join_cgroups moves this process into the cgroups whose v1 "tasks" files
// the parent opened for it, by writing "0" (the writer itself) to each.
//
// Why the process moves itself instead of the parent writing its pid to
// cgroup.procs: moving a whole thread group, or another task, write-locks
// the kernel's global cgroup_threadgroup_rwsem, and the first write after a
// quiet spell waits for an RCU grace period (5-20 ms). A thread moving
// itself through "tasks" skips that lock (0.15 ms). This process is
// single-threaded (no Go runtime yet), so moving its one thread moves the
// process, and the init it forks starts in the same cgroups.
//
// It runs before any namespace is joined or made: a new cgroup namespace is
// rooted at the cgroup of the process that unshares it, so the process must
// be in the container's cgroups by then; and joining a user namespace first
// would change whose credentials the write is checked against. The fds are
// closed at once, so neither the init nor the container's program ever
// holds a writable cgroup file of the host.
//
// fds points at n native-endian 32-bit fd numbers in the bootstrap message.
static void join_cgroups(const char *fds, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int32_t fd;
		memcpy(&fd, fds + i * sizeof(fd), sizeof(fd));
		if (write_full(fd, "0", 1) < 0) {
			int saved = errno;
			char link[64], path[512];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			ssize_t len = readlink(link, path, sizeof(path) - 1);
			if (len < 0)
				len = snprintf(path, sizeof(path), "fd %d", fd);
			path[len] = '\0';
			errno = saved;
			bail("join cgroup: write 0 to %s", path);
		}
		close(fd);
	}
}

static const char *nsname(uint32_t type)
{
	switch (type) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	}
	return "unknown";
}

// hold is the user namespace holder's whole life (initproto.EnvHold): the
// runtime made this process in a new user namespace only to open
// /proc/PID/ns/user, and closes the pipe on stdin (or kills it) once it
// has. Nothing of Go runs: the process keeps no other resource and makes
// no thread.
static void hold(void) __attribute__((noreturn));
static void hold(void)
{
	char c;
	for (;;) {
		ssize_t n = read(0, &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
	}
}

__attribute__((constructor)) static void ocikit_nsenter(void)
{
	if (getenv("_OCIKIT_HOLD") != NULL)
		hold();
	const char *env = getenv("_OCIKIT_INIT");
	if (env == NULL)
		return;
	sock = atoi(env);
	if (sock < 3 || fcntl(sock, F_GETFD) < 0) {
		sock = -1;
		errno = 0;
		bail("_OCIKIT_INIT does not name an open bootstrap socket");
	}

	// The runtime starts this process through an fd of its sealed binary
	// (/proc/self/fd/N), and the kernel names a process after the last
	// element of the path it was exec'd by: "N". Give it back the name it
	// had when it was started as /proc/self/exe, which ps and the tests
	// show for the init and the exec role.
	prctl(PR_SET_NAME, "exe", 0, 0, 0);

	uint32_t hdr[2];
	if (read_full(sock, hdr, sizeof(hdr)) < 0)
		bail("read bootstrap header");
	if (hdr[0] != OCIKIT_MAGIC || hdr[1] > MAX_MSG) {
		errno = 0;
		bail("bad bootstrap header");
	}
	char *msg = malloc(hdr[1] + 1);
	if (msg == NULL)
		bail("allocate bootstrap message");
	if (read_full(sock, msg, hdr[1]) < 0)
		bail("read bootstrap message");
	const char *p = msg, *end = msg + hdr[1];

	uint32_t cloneflags = take_u32(&p, end);
	uint32_t njoins = take_u32(&p, end);
	if (njoins > MAX_JOINS) {
		errno = 0;
		bail("too many namespaces to join: %u", njoins);
	}
	int32_t joinfd[MAX_JOINS];
	uint32_t jointype[MAX_JOINS];
	for (uint32_t i = 0; i < njoins; i++) {
		joinfd[i] = (int32_t)take_u32(&p, end);
		jointype[i] = take_u32(&p, end);
	}
	uint32_t ncgroups = take_u32(&p, end);
	if (ncgroups > (size_t)(end - p) / sizeof(int32_t)) {
		errno = 0;
		bail("bootstrap message truncated");
	}
	const char *cgroupfds = p;
	p += ncgroups * sizeof(int32_t);
	uint32_t timelen = take_u32(&p, end);
	if (p + timelen > end) {
		errno = 0;
		bail("bootstrap message truncated");
	}
	const char *timens = p;

	// First of all, before any namespace: see join_cgroups.
	join_cgroups(cgroupfds, ncgroups);

	// A joined user namespace comes first: the others must be joined
	// with the capabilities it grants (their owner may be that userns).
	for (uint32_t i = 0; i < njoins; i++) {
		if (jointype[i] != CLONE_NEWUSER)
			continue;
		if (setns(joinfd[i], CLONE_NEWUSER) < 0)
			bail("join user namespace");
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			bail("become root in the joined user namespace");
	}
	for (uint32_t i = 0; i < njoins; i++) {
		if (jointype[i] == CLONE_NEWUSER)
			continue;
		if (setns(joinfd[i], jointype[i]) < 0)
			bail("join %s namespace", nsname(jointype[i]));
	}
	for (uint32_t i = 0; i < njoins; i++)
		close(joinfd[i]);

	if (cloneflags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("create user namespace");
		// The parent writes uid_map and gid_map: an unprivileged
		// process may only map its own ids, and only the parent (outside)
		// may write the maps of a multi-range mapping.
		char c = 'U';
		if (write_full(sock, &c, 1) < 0)
			bail("ask for id maps");
		if (read_full(sock, &c, 1) < 0 || c != 'u') {
			errno = 0;
			bail("parent did not write the id maps");
		}
		// Become root of the new namespace when the maps allow it, so
		// what the init creates is owned by the container's root. When
		// 0 is not mapped this fails with EINVAL and the ids stay.
		if (setresgid(0, 0, 0) == 0)
			setgroups(0, NULL); // denied in rootless namespaces; harmless
		setresuid(0, 0, 0);
	}

	uint32_t rest = cloneflags & ~(uint32_t)CLONE_NEWUSER;
	if (rest != 0 && unshare(rest) < 0)
		bail("create namespaces (flags 0x%x)", rest);

	if ((cloneflags & CLONE_NEWTIME) && timelen > 0) {
		// Becoming root of a new user namespace above made this process
		// non-dumpable, which leaves /proc/self owned by the host's root
		// and the offsets file unwritable. Nothing else runs in the new
		// namespaces yet, so being dumpable for this one write exposes
		// nothing; the old setting comes back at once.
		int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		if (dumpable == 0 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("make the process dumpable to write time offsets");
		int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			bail("open /proc/self/timens_offsets");
		if (write_full(fd, timens, timelen) < 0)
			bail("write /proc/self/timens_offsets");
		close(fd);
		if (dumpable == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("restore the dumpable flag");
	}
	free(msg);

	// The child forked below is the first of these processes to be in
	// the container's pid namespace, where the container's processes can
	// address it through /proc, and it runs the runtime with the host's
	// capabilities through the Go runtime's start-up before the Go side
	// could make itself non-dumpable. So it is non-dumpable from its
	// first instruction: it inherits the flag from here. Dumpable, it
	// could be ptraced, and its /proc/PID files (exe, fd, mem, environ)
	// opened, by a container process with CAP_SYS_PTRACE in the
	// container's user namespace, once the child's credentials are in
	// there too; non-dumpable, that takes the capability in the user
	// namespace the binary was exec'd in, the host's. Not earlier: this
	// intermediate process is never in the container's pid namespace,
	// and its parent, an unprivileged rootless runtime, must still be
	// able to write its uid_map and setgroups. The container's program
	// gets the usual flag back at its execve.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("make the container init non-dumpable");

	// CLONE_PARENT makes the init a child of the runtime process, not of
	// this short-lived intermediate, so the runtime can wait for it. The
	// fork also puts the init into the new (or joined) pid and time
	// namespaces, which only apply to children.
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		bail("fork the container init");
	if (pid == 0)
		return; // the init: on into the Go runtime

	// One write: the init, now running, sends its hello on the same
	// socket, and a stream socket keeps each write whole but not two.
	int32_t v = pid;
	char pmsg[1 + sizeof(v)] = {'P'};
	memcpy(pmsg + 1, &v, sizeof(v));
	if (write_full(sock, pmsg, sizeof(pmsg)) < 0) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}
