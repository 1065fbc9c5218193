// The waiting init; see doc.go. It runs as a constructor, before the Go
// runtime would start, and never returns: it execs the container's program
// or exits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define WAIT_MAGIC 0x5749434fu /* "OCIW" */
#define START_REQUEST "start\n"
#define MAX_REQUEST (64u << 20)

struct request {
	uint64_t sigmask;
	uint32_t filter_flags;
	uint32_t ninsns;
	struct sock_filter *insns;
	char *path;
	char **argv;
	char **envp;
};

// send_all writes buf on a socket, without SIGPIPE when the peer is gone.
static void send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

// json_put appends s to out as the body of a JSON string.
static size_t json_put(char *out, size_t n, size_t cap, const char *s)
{
	for (; *s != '\0' && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = c;
		} else if (c < 0x20) {
			n += snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = c;
		}
	}
	return n;
}

// reply sends an initproto.Reply holding an error, as the Go init would.
static void reply(int fd, const char *op, const char *msg)
{
	char out[8192];
	size_t n = 0, cap = sizeof(out) - 4;
	n += snprintf(out, cap, "{\"error\":\"");
	n = json_put(out, n, cap, msg);
	if (op != NULL) {
		n += snprintf(out + n, cap - n, "\",\"op\":\"");
		n = json_put(out, n, cap, op);
	}
	memcpy(out + n, "\"}\n", 3);
	send_all(fd, out, n + 3);
}

// errstr is strerror(e) as Go spells errno texts: the first letter lower.
static const char *errstr(int e, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] += 'a' - 'A';
	return buf;
}

// fail reports msg on fd (the start connection), or on stderr when there
// is none yet, and exits with code.
static void fail(int fd, int code, const char *op, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
static void fail(int fd, int code, const char *op, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fd >= 0)
		reply(fd, op, msg);
	else
		fprintf(stderr, "ocikit init: %s\n", msg);
	_exit(code);
}

// reader walks the request bytes; every take checks the bounds.
struct reader {
	const char *p, *end;
	int ok;
};

static uint32_t take_u32(struct reader *r)
{
	uint32_t v = 0;
	if (!r->ok || (size_t)(r->end - r->p) < sizeof(v)) {
		r->ok = 0;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static char *take_str(struct reader *r)
{
	uint32_t len = take_u32(r);
	if (!r->ok || (size_t)(r->end - r->p) < len) {
		r->ok = 0;
		return NULL;
	}
	char *s = malloc((size_t)len + 1);
	if (s == NULL) {
		r->ok = 0;
		return NULL;
	}
	memcpy(s, r->p, len);
	s[len] = '\0';
	r->p += len;
	return s;
}

static char **take_list(struct reader *r)
{
	uint32_t n = take_u32(r);
	// Each string takes at least its 4-byte length: a count the bytes
	// left cannot hold is a broken request, not an allocation to try.
	if (!r->ok || n > (size_t)(r->end - r->p) / 4) {
		r->ok = 0;
		return NULL;
	}
	char **list = calloc((size_t)n + 1, sizeof(char *));
	if (list == NULL) {
		r->ok = 0;
		return NULL;
	}
	for (uint32_t i = 0; i < n && r->ok; i++)
		list[i] = take_str(r);
	return list;
}

// read_request reads and parses the request file; 0 on success.
static int read_request(int fd, struct request *q)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < 12 || (uint64_t)st.st_size > MAX_REQUEST)
		return -1;
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size);
	if (buf == NULL)
		return -1;
	for (size_t off = 0; off < size;) {
		ssize_t n = pread(fd, buf + off, size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	struct reader r = {buf, buf + size, 1};
	if (take_u32(&r) != WAIT_MAGIC)
		return -1;
	uint32_t lo = take_u32(&r), hi = take_u32(&r);
	q->sigmask = (uint64_t)lo | (uint64_t)hi << 32;
	q->filter_flags = take_u32(&r);
	q->ninsns = take_u32(&r);
	if (!r.ok || q->ninsns > BPF_MAXINSNS || (size_t)(r.end - r.p) < q->ninsns * sizeof(struct sock_filter))
		return -1;
	if (q->ninsns > 0) {
		q->insns = malloc(q->ninsns * sizeof(struct sock_filter));
		if (q->insns == NULL)
			return -1;
		memcpy(q->insns, r.p, q->ninsns * sizeof(struct sock_filter));
		r.p += q->ninsns * sizeof(struct sock_filter);
	}
	q->path = take_str(&r);
	q->argv = take_list(&r);
	q->envp = take_list(&r);
	if (!r.ok || r.p != r.end || q->argv == NULL || q->argv[0] == NULL)
		return -1;
	free(buf);
	return 0;
}

// on_signal ends the waiting init on the signals that end a Go program, so
// a created container stops on SIGTERM as it did when a Go runtime waited.
// As the init of a pid namespace the process cannot die of a signal it
// sends itself: it then exits as a shell reports a signal.
static void on_signal(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static int parse_fds(const char *v, int fds[2])
{
	char *end;
	for (int i = 0; i < 2; i++) {
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno != 0 || end == v || n < 0 || n > 1 << 20)
			return -1;
		fds[i] = (int)n;
		if (i < 1 && *end != ',')
			return -1;
		v = end + 1;
	}
	return *end == '\0' ? 0 : -1;
}

// wait_start accepts connections on the start socket until one sends the
// start request, and returns it (close-on-exec: the runtime sees EOF when
// the exec succeeded).
static int wait_start(int start)
{
	for (;;) {
		int c = accept4(start, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			char e[128];
			fail(-1, 1, NULL, "accept on start socket: %s", errstr(errno, e, sizeof(e)));
		}
		char buf[sizeof(START_REQUEST) - 1];
		size_t got = 0;
		while (got < sizeof(buf)) {
			ssize_t n = read(c, buf + got, sizeof(buf) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got == sizeof(buf) && memcmp(buf, START_REQUEST, sizeof(buf)) == 0)
			return c;
		close(c);
	}
}

__attribute__((constructor)) static void ocikit_wait(void)
{
	const char *env = getenv("_OCIKIT_WAIT");
	if (env == NULL)
		return;
	// The process runs this binary, the runtime (exec'd from the sealed
	// copy the launcher made: a read-only clone or a sealed memfd, so
	// not writable through /proc/PID/exe in any case, CVE-2019-5736), for
	// as long as the container is only created, as the container's user:
	// not dumpable, no process of the container may open its
	// /proc/PID/exe or fds or read its memory either. The execve of the
	// program makes it dumpable again as usual.
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	// Exec'd by fd, the process would be called by the fd's number.
	prctl(PR_SET_NAME, "oci-init-wait", 0, 0, 0);

	int fds[2];
	if (parse_fds(env, fds) < 0)
		fail(-1, 1, NULL, "bad _OCIKIT_WAIT=%s", env);
	int start = fds[0], reqfd = fds[1];
	struct request q;
	memset(&q, 0, sizeof(q));
	// The Go init said ready before it exec'd this: a request it wrote
	// and this cannot read is a bug, reported on the container's stderr;
	// the container then stops.
	if (read_request(reqfd, &q) < 0)
		fail(-1, 1, NULL, "waiting init: the exec request is unreadable or malformed");
	close(reqfd);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	const int ends[] = {SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGTERM};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		sigaction(ends[i], &sa, NULL);
	// The Go init blocked these signals before it exec'd this binary:
	// between its exec and the handlers above they had their default
	// action, which a pid namespace's init does not take, so one sent
	// then would have been lost. Pending, it is delivered now. The mask
	// restored is the one the program is to start with.
	sigset_t mask;
	sigemptyset(&mask);
	for (int sig = 1; sig <= 64; sig++)
		if (q.sigmask & (1ULL << (sig - 1)))
			sigaddset(&mask, sig);
	sigprocmask(SIG_SETMASK, &mask, NULL);

	int c = wait_start(start);
	close(start);
	char e[128];
	// The filter goes in last, so that under it the waiter only execs
	// (and, if that fails, reports the error).
	if (q.ninsns > 0) {
		struct sock_fprog prog = {.len = (unsigned short)q.ninsns, .filter = q.insns};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, q.filter_flags, &prog) < 0) {
			int err = errno;
			if (err == EACCES)
				fail(c, 1, NULL, "load seccomp filter: %s (it needs no_new_privs or CAP_SYS_ADMIN)", errstr(err, e, sizeof(e)));
			if (err == EINVAL && q.filter_flags != 0)
				fail(c, 1, NULL, "load seccomp filter with flags %#x: %s (flags this kernel may not support)", q.filter_flags, errstr(err, e, sizeof(e)));
			fail(c, 1, NULL, "load seccomp filter: %s", errstr(err, e, sizeof(e)));
		}
	}
	execve(q.path, q.argv, q.envp);
	fail(c, 127, NULL, "exec \"%s\": %s", q.path, errstr(errno, e, sizeof(e)));
}

// The soft RLIMIT_NOFILE the init was started with. The Go runtime raises
// the soft limit to the hard one when it starts and puts it back only for
// the programs it execs through the syscall package; the init execs this
// waiter by fd, so it restores the recorded value itself (OrigNofile).
struct rlimit ocikit_orig_nofile;
int ocikit_orig_nofile_ok;

__attribute__((constructor)) static void ocikit_record_nofile(void)
{
	if (getenv("_OCIKIT_INIT") != NULL && getrlimit(RLIMIT_NOFILE, &ocikit_orig_nofile) == 0)
		ocikit_orig_nofile_ok = 1;
}
