/*
 * sshd/sso: the SSO check driven from meshsshd (see sso.h).  The helper is
 * started with a clean environment, stdin/stdout pipes and nothing else
 * open but stderr, and dies with its parent (PR_SET_PDEATHSIG).  The wait
 * is bounded: before the instructions by SSHD_SSO_START_REQUESTS HTTP
 * timeouts, after them by the device code's lifetime plus
 * SSHD_SSO_FLOW_REQUESTS timeouts; past the bound the helper is killed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit_glue.h"
#include "checkcache.h"
#include "log.h"
#include "sso.h"

#define SSHD_SSO_MS_PER_S  1000
#define SSHD_SSO_EXIT_EXEC 127

/* Passed checks: the listener's, inherited by each connection at fork. */
static struct checkcache *sshd_sso_cache;

struct sshd_sso_helper {
	pid_t pid;
	int out_fd;
	char buf[2 * SSO_PROTO_LINE_MAX];
	size_t len;
};

static int64_t
sshd_sso_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SSHD_SSO_MS_PER_S + ts.tv_nsec / 1000000;
}

static const char *
sshd_sso_helper_path(void)
{
#ifdef MESH_TEST_BUILD
	const char *p = secure_getenv(SSHD_SSO_HELPER_ENV);

	if (p != NULL && p[0] != '\0')
		return p;
#endif
	return SSHD_SSO_HELPER_DEFAULT;
}

static int
sshd_sso_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MESH_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void __attribute__((noreturn)) sshd_sso_exec(int in_fd, int out_fd)
{
	static char *const envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	char *argv[3];
	sigset_t none;
	int sig, n = 0;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
		_exit(SSHD_SSO_EXIT_EXEC);
	(void)close_range(3, ~0U, 0);
	argv[n++] = (char *)"meshssh-sso";
	if (mesh_log_get_level() >= MESH_LOG_DEBUG)
		argv[n++] = (char *)"-e"; /* debugging: its log joins ours on stderr */
	argv[n] = NULL;
	execve(sshd_sso_helper_path(), argv, envp);
	(void)dprintf(1, "fail - cannot run the SSO helper %s: %s\n", sshd_sso_helper_path(),
	    strerror(errno));
	_exit(SSHD_SSO_EXIT_EXEC);
}

/* Start the helper and hand it the whole request (small: fits the pipe). */
static int
sshd_sso_spawn(const char *request, struct sshd_sso_helper *h)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	int r = MESH_ERR_IO;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->out_fd = -1;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		goto out;
	h->pid = fork();
	if (h->pid == 0)
		sshd_sso_exec(in[0], out[1]);
	if (h->pid < 0) {
		log_error("sso: fork: %s", strerror(errno));
		goto out;
	}
	(void)close(in[0]);
	in[0] = -1;
	(void)close(out[1]);
	out[1] = -1;
	if (sshd_sso_write_all(in[1], request, strlen(request)) != 0)
		log_error("sso: cannot send the request to the helper: %s", strerror(errno));
	h->out_fd = out[0];
	out[0] = -1;
	r = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			(void)close(in[i]);
		if (out[i] >= 0)
			(void)close(out[i]);
	}
	return r;
}

static void
sshd_sso_reap(struct sshd_sso_helper *h)
{
	if (h->out_fd >= 0)
		(void)close(h->out_fd);
	h->out_fd = -1;
	if (h->pid > 0) {
		(void)kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	h->pid = -1;
}

/*
 * The next reply line.  MESH_ERR_TIMEOUT past deadline_ms, MESH_ERR_IO when
 * the helper ended without one, MESH_ERR_AGAIN when watch_fd hung up.
 */
static int
sshd_sso_next(struct sshd_sso_helper *h, int64_t deadline_ms, int watch_fd, struct sso_reply *rep)
{
	for (;;) {
		char *nl = memchr(h->buf, '\n', h->len);
		struct pollfd pfd[2];
		int64_t left;
		nfds_t n = 1;
		ssize_t got;

		if (nl != NULL) {
			size_t ll = (size_t)(nl - h->buf);
			int r = sso_proto_reply_parse(h->buf, ll, rep);

			memmove(h->buf, nl + 1, h->len - ll - 1);
			h->len -= ll + 1;
			if (r != 0) {
				log_warn("sso: helper sent an unknown line");
				continue;
			}
			return 0;
		}
		if (h->len == sizeof(h->buf))
			return MESH_ERR_PROTOCOL;
		left = deadline_ms - sshd_sso_now_ms();
		if (left <= 0)
			return MESH_ERR_TIMEOUT;
		pfd[0].fd = h->out_fd;
		pfd[0].events = POLLIN;
		if (watch_fd >= 0) {
			pfd[1].fd = watch_fd;
			pfd[1].events = POLLRDHUP;
			n = 2;
		}
		if (poll(pfd, n, left > INT32_MAX ? INT32_MAX : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return MESH_ERR_IO;
		}
		if (n == 2 && (pfd[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return MESH_ERR_AGAIN;
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(h->out_fd, h->buf + h->len, sizeof(h->buf) - h->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return MESH_ERR_IO;
		h->len += (size_t)got;
	}
}

static int64_t
sshd_sso_bound_ms(const struct sshd_config *cfg, unsigned requests)
{
	return ((int64_t)cfg->oidc.timeout_s * requests + SSHD_SSO_SLACK_S) * SSHD_SSO_MS_PER_S;
}

static void
sshd_sso_append(char *buf, size_t len, const char *line)
{
	size_t used = strlen(buf);

	(void)snprintf(buf + used, len - used, "%s\n", line);
}

int
sshd_sso_run(struct sshd_conn *c, const char *user, const char *service, sshd_sso_show_fn show,
    void *ctx, int watch_fd, struct sshd_sso_result *res)
{
	static char request[SSO_PROTO_REQUEST_MAX];
	static char text[SSHD_SSO_TEXT_MAX];
	static struct sso_reply rep;
	const char *args[3] = {c->id.login, c->id.node, user};
	struct sshd_sso_helper h = {.pid = -1, .out_fd = -1};
	struct mesh_error err;
	int64_t deadline;
	int r;

	memset(res, 0, sizeof(*res));
	text[0] = '\0';
	mesh_error_clear(&err);
	if (!oidc_config_enabled(&c->cfg->oidc)) {
		(void)snprintf(
		    res->reason, sizeof(res->reason), "SSO check is not configured on this server");
		return MESH_ERR_UNSUPPORTED;
	}
	sshd_audit_check(c, SSHD_AUDIT_CHECK_START, user, service, c->cfg->oidc.issuer, NULL, NULL);
	r = sso_proto_request(
	    &c->cfg->oidc, SSO_PROTO_VERB_CHECK, args, 3, request, sizeof(request), &err);
	if (r != 0) {
		(void)snprintf(res->reason, sizeof(res->reason), "%s", err.text);
		goto verdict;
	}
	if ((r = sshd_sso_spawn(request, &h)) != 0) {
		(void)snprintf(res->reason, sizeof(res->reason), "cannot start the SSO helper");
		goto verdict;
	}
	deadline = sshd_sso_now_ms() + sshd_sso_bound_ms(c->cfg, SSHD_SSO_START_REQUESTS);
	for (;;) {
		r = sshd_sso_next(&h, deadline, watch_fd, &rep);
		if (r == MESH_ERR_TIMEOUT) {
			(void)snprintf(res->reason, sizeof(res->reason),
			    "identity provider did not complete the check in time");
			break;
		}
		if (r == MESH_ERR_AGAIN) {
			(void)snprintf(res->reason, sizeof(res->reason),
			    "the client went away during the check");
			break;
		}
		if (r != 0) {
			(void)snprintf(res->reason, sizeof(res->reason),
			    "the SSO helper ended without a verdict");
			break;
		}
		if (rep.kind == SSO_REPLY_SHOW) {
			sshd_sso_append(text, sizeof(text), rep.text);
			continue;
		}
		if (rep.kind == SSO_REPLY_STARTED) {
			int64_t left_s = rep.expires_at - (int64_t)time(NULL);

			if (left_s < 0)
				left_s = 0;
			if (left_s > OIDC_FLOW_MAX_S)
				left_s = OIDC_FLOW_MAX_S;
			deadline = sshd_sso_now_ms() + left_s * SSHD_SSO_MS_PER_S +
			    sshd_sso_bound_ms(c->cfg, SSHD_SSO_FLOW_REQUESTS);
			if (show != NULL)
				show(ctx, text, rep.expires_at);
			continue;
		}
		if (rep.kind == SSO_REPLY_PASS) {
			res->passed = true;
			(void)snprintf(res->subject, sizeof(res->subject), "%s", rep.subject);
			(void)snprintf(res->identity, sizeof(res->identity), "%s", rep.text);
			r = 0;
			break;
		}
		if (rep.kind == SSO_REPLY_FAIL || rep.kind == SSO_REPLY_TIMEOUT) {
			res->timed_out = rep.kind == SSO_REPLY_TIMEOUT;
			(void)snprintf(res->subject, sizeof(res->subject), "%s", rep.subject);
			(void)snprintf(res->reason, sizeof(res->reason), "%s", rep.text);
			r = res->timed_out ? MESH_ERR_EXPIRED : MESH_ERR_DENIED;
			break;
		}
	}
verdict:
	sshd_sso_reap(&h);
	if (r == 0) {
		log_info("SSO check passed for %s (node %s) as %s (%s): subject %s", c->id.login,
		    c->id.node, user, service, res->subject);
		sshd_audit_check(c, SSHD_AUDIT_CHECK_PASS, user, service, c->cfg->oidc.issuer,
		    res->subject, NULL);
		return 0;
	}
	log_info("SSO check failed for %s (node %s) as %s (%s): %s", c->id.login, c->id.node, user,
	    service, res->reason);
	sshd_audit_check(c, res->timed_out ? SSHD_AUDIT_CHECK_TIMEOUT : SSHD_AUDIT_CHECK_FAIL, user,
	    service, c->cfg->oidc.issuer, res->subject[0] ? res->subject : NULL, res->reason);
	return r < 0 ? r : MESH_ERR_DENIED;
}

static void
sshd_sso_banner(void *ctx, const char *text, int64_t expires_at)
{
	(void)expires_at;
	sshd_conn_send_banner(ctx, text, SSHD_SSO_FLUSH_MS);
}

static bool
sshd_sso_cached(const struct sshd_config *cfg, const struct sshd_conn *c, const char *user,
    int64_t period_s, int64_t now)
{
	if (period_s <= 0)
		return false;
	if (sshd_sso_cache != NULL &&
	    checkcache_valid(sshd_sso_cache, c->id.login, c->id.node, user, now, period_s))
		return true;
	return cfg->oidc.check_cache_file != NULL &&
	    checkcache_file_valid(
		cfg->oidc.check_cache_file, c->id.login, c->id.node, user, now, period_s);
}

/* Tell the listener (one atomic pipe write) so later connections skip the check. */
static void
sshd_sso_report(struct sshd_conn *c, const char *user, int64_t period_s, int64_t now)
{
	char rec[SSHD_SSO_RECORD_MAX];
	int n;

	if (period_s <= 0 || c->startup_fd < 0)
		return;
	n = snprintf(rec, sizeof(rec), "%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\n",
	    SSHD_SSO_RECORD_TAG, c->id.login, c->id.node, user, now, period_s);
	if (n < 0 || (size_t)n >= sizeof(rec) || (size_t)n > PIPE_BUF)
		return;
	if (sshd_sso_write_all(c->startup_fd, rec, (size_t)n) != 0)
		log_warn("sso: cannot report the passed check to the listener");
}

int
sshd_sso_check(
    struct sshd_conn *c, const char *user, int64_t period_s, char *reason, size_t reason_len)
{
	static struct sshd_sso_result res;
	int64_t now = (int64_t)time(NULL);
	unsigned grace;
	int r;

	if (sshd_sso_cached(c->cfg, c, user, period_s, now)) {
		log_info("SSO check for %s (node %s) as %s still valid (checkPeriod %" PRId64 "s)",
		    c->id.login, c->id.node, user, period_s);
		return 0;
	}
	/* LoginGraceTime must not end a device flow in progress: the flow has its own bound. */
	grace = alarm(0);
	r = sshd_sso_run(c, user, "ssh", sshd_sso_banner, c, c->fd, &res);
	/* what is left of authentication is bounded again */
	if (grace > 0 && c->cfg->login_grace_s > 0)
		(void)alarm((unsigned)c->cfg->login_grace_s);
	if (r == MESH_ERR_UNSUPPORTED) { /* no OIDC here: nothing was checked */
		(void)snprintf(reason, reason_len, "%s", res.reason);
		return r;
	}
	if (r != 0) {
		(void)snprintf(reason, reason_len, "SSO check failed: %s", res.reason);
		return r;
	}
	sshd_sso_report(c, user, period_s, (int64_t)time(NULL));
	return 0;
}

void
sshd_sso_absorb(int fd, const struct sshd_config *cfg)
{
	char rec[SSHD_SSO_RECORD_MAX];
	char *f[6], *save = NULL, *p;
	struct mesh_error err;
	long long now, period;
	ssize_t n;
	int k = 0;

	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		return;
	n = read(fd, rec, sizeof(rec) - 1);
	if (n <= 0)
		return;
	rec[n] = '\0';
	if (rec[n - 1] != '\n')
		return;
	rec[n - 1] = '\0';
	for (p = strtok_r(rec, "\t", &save); p != NULL && k < 6; p = strtok_r(NULL, "\t", &save))
		f[k++] = p;
	if (k != 6 || p != NULL || strcmp(f[0], SSHD_SSO_RECORD_TAG) != 0)
		return;
	now = strtoll(f[4], NULL, 10);
	period = strtoll(f[5], NULL, 10);
	if (sshd_sso_cache == NULL && (sshd_sso_cache = checkcache_new()) == NULL)
		return;
	(void)checkcache_expire(sshd_sso_cache, (int64_t)now);
	if (checkcache_add(sshd_sso_cache, f[1], f[2], f[3], now, period) != 0)
		return;
	log_debug(
	    "sso: remembering the check of %s (node %s) as %s for %llds", f[1], f[2], f[3], period);
	mesh_error_clear(&err);
	if (cfg != NULL && cfg->oidc.check_cache_file != NULL &&
	    checkcache_file_record(
		cfg->oidc.check_cache_file, f[1], f[2], f[3], now, period, &err) != 0)
		log_warn("OIDCCheckCacheFile %s: %s", cfg->oidc.check_cache_file, err.text);
}

int
sshd_sso_test(const struct sshd_config *cfg)
{
	static char request[SSO_PROTO_REQUEST_MAX];
	static struct sso_reply rep;
	struct sshd_sso_helper h = {.pid = -1, .out_fd = -1};
	struct mesh_error err;
	int r;

	if (!oidc_config_enabled(&cfg->oidc))
		return 0;
	mesh_error_clear(&err);
	if (sso_proto_request(
		&cfg->oidc, SSO_PROTO_VERB_TEST, NULL, 0, request, sizeof(request), &err) != 0) {
		log_error("OIDC: %s", err.text);
		return -1;
	}
	if (sshd_sso_spawn(request, &h) != 0) {
		log_error("OIDC: cannot start the SSO helper %s", sshd_sso_helper_path());
		return -1;
	}
	r = sshd_sso_next(
	    &h, sshd_sso_now_ms() + sshd_sso_bound_ms(cfg, SSHD_SSO_START_REQUESTS), -1, &rep);
	sshd_sso_reap(&h);
	if (r == 0 && rep.kind == SSO_REPLY_OK) {
		log_info("OIDC: %s", rep.text);
		return 0;
	}
	if (r == 0)
		log_error("OIDC: %s", rep.text);
	else if (r == MESH_ERR_TIMEOUT)
		log_error("OIDC: the SSO helper did not answer in time");
	else
		log_error(
		    "OIDC: the SSO helper %s ended without an answer", sshd_sso_helper_path());
	return -1;
}
