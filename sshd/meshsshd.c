/*
 * meshsshd: the SSH daemon for servers on the mesh.  The listener accepts on
 * mesh addresses only, asks the netmap who the source is (a source that is
 * not a mesh node is closed before a byte of SSH is sent), applies
 * MaxStartups, and forks one root, non-dumpable process per connection
 * (conn.c).  SIGHUP reloads the configuration, netmap and policy in place:
 * running connections keep what they started with.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit_glue.h"
#include "authz.h"
#include "conn.h"
#include "fileio.h"
#include "hostkey.h"
#include "listen.h"
#include "log.h"
#include "shipper_ctl.h"
#include "sshd_config.h"
#include "sso.h"

#define SSHD_DEFAULT_CONFIG SYSCONFDIR "/meshssh/meshsshd.conf"
#define SSHD_PERCENT	    100
#define SSHD_PID_LINE_MAX   32
#define SSHD_MS_PER_S	    1000
#define SSHD_NS_PER_MS	    1000000

struct sshd_startup {
	pid_t pid;
	int fd; /* EOF when the child authenticated or died */
};

struct sshd_daemon {
	const char *config_path;
	struct sshd_config *cfg;
	struct sshd_authz *authz;
	ssh_bind bind;
	int listen_fds[SSHD_LISTEN_MAX];
	size_t nlisten;
	struct sshd_startup *startups;
	size_t nstartups, startups_cap;
	int debug;
	bool foreground, log_stderr;
	struct sshd_shipper shipper;
};

static volatile sig_atomic_t sshd_got_hup, sshd_got_term, sshd_got_chld;

static void
sshd_on_signal(int sig)
{
	if (sig == SIGHUP)
		sshd_got_hup = 1;
	else if (sig == SIGCHLD)
		sshd_got_chld = 1;
	else
		sshd_got_term = 1;
}

static void
sshd_usage(void)
{
	fprintf(stderr, "usage: meshsshd [-DdetT] [-f config_file]\n");
}

static int
sshd_bind_new(const struct sshd_config *cfg, ssh_bind *out, struct mesh_error *err)
{
	ssh_bind b = ssh_bind_new();
	bool no = false;
	int r;

	if (b == NULL)
		return MESH_ERR_NOMEM;
	(void)ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	if ((r = sshd_hostkeys_load(cfg, b, err)) != 0) {
		ssh_bind_free(b);
		return r;
	}
	*out = b;
	return MESH_OK;
}

static void
sshd_log_error(const char *what, const struct mesh_error *err)
{
	char buf[MESH_ERROR_TEXT_MAX + 256];

	log_error("%s: %s", what, mesh_error_format(err, buf, sizeof(buf)));
}

/* Load everything a configuration needs; nothing changes unless all of it loads. */
static int
sshd_load(struct sshd_daemon *d, bool keys)
{
	struct sshd_config *cfg = NULL;
	struct sshd_authz *authz = NULL;
	ssh_bind bind = NULL;
	struct mesh_error err;
	int r;

	mesh_error_clear(&err);
	if ((r = sshd_config_load(d->config_path, &cfg, &err)) != 0) {
		sshd_log_error("config", &err);
		return r;
	}
	mesh_error_clear(&err);
	if ((r = sshd_authz_load(cfg, d->authz, &authz, &err)) != 0) {
		sshd_log_error("netmap/policy", &err);
		goto fail;
	}
	mesh_error_clear(&err);
	if (keys && (r = sshd_bind_new(cfg, &bind, &err)) != 0) {
		sshd_log_error("host keys", &err);
		goto fail;
	}
	sshd_config_free(d->cfg);
	sshd_authz_free(d->authz);
	if (d->bind)
		ssh_bind_free(d->bind);
	d->cfg = cfg;
	d->authz = authz;
	d->bind = bind;
	return MESH_OK;
fail:
	sshd_authz_free(authz);
	sshd_config_free(cfg);
	return r;
}

static bool
sshd_listen_changed(const struct sshd_config *a, const struct sshd_config *b)
{
	size_t i;

	if (a->nlisten != b->nlisten || a->port != b->port || strcmp(a->interface, b->interface))
		return true;
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].host, b->listen[i].host) ||
		    a->listen[i].port != b->listen[i].port)
			return true;
#ifdef MESH_TEST_BUILD
	if (a->test_unbound != b->test_unbound)
		return true;
#endif
	return false;
}

static void
sshd_reload(struct sshd_daemon *d)
{
	struct sshd_config *old = d->cfg;
	struct mesh_error err;

	/* the old config stays alive to compare listeners */
	d->cfg = NULL;
	if (sshd_load(d, true) != 0) {
		d->cfg = old;
		log_error("Received SIGHUP; reload failed, keeping the running configuration");
		return;
	}
	if (sshd_listen_changed(old, d->cfg)) {
		sshd_listen_close(d->listen_fds, &d->nlisten);
		mesh_error_clear(&err);
		if (sshd_listen_open(d->cfg, d->listen_fds, SSHD_LISTEN_MAX, &d->nlisten, &err) !=
		    0) {
			sshd_log_error("listen", &err);
			mesh_error_clear(&err);
			(void)sshd_listen_open(
			    old, d->listen_fds, SSHD_LISTEN_MAX, &d->nlisten, &err);
		}
	}
	sshd_config_free(old);
	if (sshd_shipper_configure(&d->shipper, d->cfg, sshd_audit_host(d->cfg)) != 0)
		log_error("meshssh-shipper: cannot build its arguments");
	mesh_log_set_level(
	    (enum mesh_log_level)(d->debug ? MESH_LOG_DEBUG + d->debug - 1 : d->cfg->log_level));
	log_info("Received SIGHUP; reloaded configuration, netmap and policy");
}

static bool
sshd_drop_startup(const struct sshd_daemon *d)
{
	const struct sshd_config *c = d->cfg;
	unsigned n = (unsigned)d->nstartups, p;

	if (n < c->startups_begin)
		return false;
	if (n >= c->startups_full)
		return true;
	p = SSHD_PERCENT - c->startups_rate;
	p *= n - c->startups_begin;
	p /= c->startups_full - c->startups_begin;
	p += c->startups_rate;
	return arc4random_uniform(SSHD_PERCENT) < p;
}

static void
sshd_startup_remove(struct sshd_daemon *d, size_t i)
{
	sshd_sso_absorb(d->startups[i].fd, d->cfg); /* a passed SSO check, if reported */
	(void)close(d->startups[i].fd);
	d->startups[i] = d->startups[--d->nstartups];
}

static int64_t
sshd_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SSHD_MS_PER_S + ts.tv_nsec / SSHD_NS_PER_MS;
}

static void
sshd_reap(struct sshd_daemon *d)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (sshd_shipper_reaped(&d->shipper, pid, st, sshd_mono_ms()))
			continue;
		for (i = 0; i < d->nstartups; i++)
			if (d->startups[i].pid == pid) {
				sshd_startup_remove(d, i);
				break;
			}
	}
}

static void
sshd_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		(void)inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		(void)inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
		*port = ntohs(s4->sin_port);
	}
}

static void
sshd_accept(struct sshd_daemon *d, int lfd, const sigset_t *child_mask)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sshd_identity id;
	char addr[SSHD_ADDR_MAX];
	unsigned port = 0;
	int fd, sp[2];
	pid_t pid;
	size_t i;
	int r;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	sshd_addr_str(&ss, addr, sizeof(addr), &port);
	r = sshd_authz_whois(d->authz, (struct sockaddr *)&ss, (int64_t)time(NULL), &id);
	if (r == MESH_ERR_EXPIRED) {
		log_error("Connection closed: %s: the netmap has expired", addr);
		(void)close(fd);
		return;
	}
	if (r != 0) {
		log_info("Connection closed: %s is not a mesh node", addr);
		(void)close(fd);
		return;
	}
	if (sshd_drop_startup(d)) {
		log_info(
		    "drop connection #%zu from [%s]:%u past MaxStartups", d->nstartups, addr, port);
		(void)close(fd);
		return;
	}
	if (d->nstartups == d->startups_cap) {
		size_t cap = d->startups_cap ? d->startups_cap * 2 : 16;
		struct sshd_startup *s = realloc(d->startups, cap * sizeof(*s));

		if (s == NULL) {
			(void)close(fd);
			return;
		}
		d->startups = s;
		d->startups_cap = cap;
	}
	if (pipe2(sp, O_CLOEXEC) != 0) {
		(void)close(fd);
		return;
	}
	log_verbose("Connection from %s port %u (mesh %s node %s)", addr, port, id.login, id.node);
	pid = fork();
	if (pid == 0) {
		(void)close(sp[0]);
		for (i = 0; i < d->nlisten; i++)
			(void)close(d->listen_fds[i]);
		for (i = 0; i < d->nstartups; i++)
			(void)close(d->startups[i].fd);
		(void)sigprocmask(SIG_SETMASK, child_mask, NULL);
		sshd_conn_run(d->cfg, d->authz, d->bind, fd, &id, sp[1]);
	}
	(void)close(fd);
	(void)close(sp[1]);
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		(void)close(sp[0]);
		return;
	}
	d->startups[d->nstartups].pid = pid;
	d->startups[d->nstartups].fd = sp[0];
	d->nstartups++;
}

static int
sshd_serve(struct sshd_daemon *d)
{
	sigset_t block, orig;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sshd_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &block, &orig);

	while (!sshd_got_term) {
		struct pollfd pfd[SSHD_LISTEN_MAX + 1024];
		size_t n = 0, i, nl;
		struct timespec tmo, *tmop = NULL;
		int64_t now = sshd_mono_ms();
		int wait_ms;

		sshd_shipper_tick(&d->shipper, now);
		wait_ms = sshd_shipper_timeout_ms(&d->shipper, now);
		if (wait_ms >= 0) {
			tmo.tv_sec = wait_ms / SSHD_MS_PER_S;
			tmo.tv_nsec = (long)(wait_ms % SSHD_MS_PER_S) * SSHD_NS_PER_MS;
			tmop = &tmo;
		}

		for (i = 0; i < d->nlisten; i++) {
			pfd[n].fd = d->listen_fds[i];
			pfd[n++].events = POLLIN;
		}
		nl = n;
		for (i = 0; i < d->nstartups && n < sizeof(pfd) / sizeof(pfd[0]); i++) {
			pfd[n].fd = d->startups[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (ppoll(pfd, n, tmop, &orig) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return 1;
		}
		if (sshd_got_chld) {
			sshd_got_chld = 0;
			sshd_reap(d);
		}
		if (sshd_got_hup) {
			sshd_got_hup = 0;
			sshd_reload(d);
			continue; /* fds may have changed */
		}
		/* children that authenticated (or died) no longer count as startups */
		for (i = n; i-- > nl;) {
			size_t k;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (k = 0; k < d->nstartups; k++)
				if (d->startups[k].fd == pfd[i].fd) {
					sshd_startup_remove(d, k);
					break;
				}
		}
		for (i = 0; i < nl; i++)
			if (pfd[i].revents & POLLIN)
				sshd_accept(d, pfd[i].fd, &orig);
	}
	log_info("Received signal; terminating.");
	return 0;
}

static int
sshd_write_pidfile(const char *path)
{
	char line[SSHD_PID_LINE_MAX];
	struct mesh_error err;
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

	mesh_error_clear(&err);
	if (mesh_file_write_atomic(path, line, (size_t)n, 0644, &err) != 0) {
		sshd_log_error("PidFile", &err);
		return -1;
	}
	return 0;
}

static int
sshd_daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0 || chdir("/") != 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	(void)dup2(fd, 0);
	(void)dup2(fd, 1);
	(void)dup2(fd, 2);
	if (fd > 2)
		(void)close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sshd_daemon d;
	struct mesh_log_opts lo;
	struct mesh_error err;
	bool test_only = false, dump = false;
	int opt, rc = 1;

	memset(&d, 0, sizeof(d));
	d.config_path = SSHD_DEFAULT_CONFIG;
	while ((opt = getopt(argc, argv, "f:DdetT")) != -1) {
		switch (opt) {
		case 'f':
			d.config_path = optarg;
			break;
		case 'D':
			d.foreground = true;
			break;
		case 'd':
			d.debug++;
			d.foreground = true;
			d.log_stderr = true;
			break;
		case 'e':
			d.log_stderr = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'T':
			test_only = dump = true;
			break;
		default:
			sshd_usage();
			return 1;
		}
	}
	if (optind != argc) {
		sshd_usage();
		return 1;
	}
	memset(&lo, 0, sizeof(lo));
	lo.ident = "meshsshd";
	lo.level = MESH_LOG_INFO;
	lo.to_stderr = true;
	mesh_log_init(&lo);
	(void)prctl(PR_SET_DUMPABLE, 0);
	if (sshd_load(&d, !test_only) != 0)
		return 1;
	if (test_only) {
		rc = sshd_sso_test(d.cfg) == 0 ? 0 : 1;
		if (rc == 0 && dump)
			sshd_config_dump(d.cfg, stdout);
		goto out;
	}
	lo.level = (enum mesh_log_level)(d.debug ? MESH_LOG_DEBUG + d.debug - 1 : d.cfg->log_level);
	if (lo.level > MESH_LOG_DEBUG3)
		lo.level = MESH_LOG_DEBUG3;
	lo.to_stderr = d.foreground || d.log_stderr;
	lo.to_syslog = d.debug == 0;
	lo.facility = LOG_AUTH;
	mesh_log_init(&lo);
	if (d.debug >= 3)
		ssh_set_log_level(SSH_LOG_PROTOCOL);
	mesh_error_clear(&err);
	if (sshd_listen_open(d.cfg, d.listen_fds, SSHD_LISTEN_MAX, &d.nlisten, &err) != 0) {
		sshd_log_error("listen", &err);
		goto out;
	}
	if (!d.foreground && sshd_daemonize() != 0) {
		log_error("daemonize: %s", strerror(errno));
		goto out;
	}
	(void)sshd_write_pidfile(d.cfg->pid_file);
	sshd_shipper_init(&d.shipper);
	if (sshd_shipper_configure(&d.shipper, d.cfg, sshd_audit_host(d.cfg)) != 0)
		log_error("meshssh-shipper: cannot build its arguments");
	rc = sshd_serve(&d);
	sshd_shipper_stop(&d.shipper);
	(void)unlink(d.cfg->pid_file);
out:
	sshd_listen_close(d.listen_fds, &d.nlisten);
	while (d.nstartups)
		sshd_startup_remove(&d, 0);
	free(d.startups);
	if (d.bind)
		ssh_bind_free(d.bind);
	sshd_authz_free(d.authz);
	sshd_config_free(d.cfg);
	return rc;
}
