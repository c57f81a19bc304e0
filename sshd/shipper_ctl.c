/*
 * Running meshssh-shipper from the listener (see shipper_ctl.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "recorder.h"
#include "shipper_ctl.h"

#ifndef SBINDIR
#define SBINDIR "/usr/sbin"
#endif
#define SSHD_SHIPPER_DEFAULT   SBINDIR "/meshssh-shipper"
#define SSHD_SHIPPER_NUM_MAX   24 /* digits of a uint64_t, with room */
#define SSHD_SHIPPER_WAIT_STEP 50 /* ms between checks while stopping */
#define SSHD_SHIPPER_SINK_FILE "file:" SSHD_REC_DEFAULT_SINK_DIR
/* Sessions first: the spool absorbs what the shipper has not caught up with. */
#define SSHD_SHIPPER_NICE 10

static int64_t
sshd_shipper_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sshd_shipper_init(struct sshd_shipper *s)
{
	memset(s, 0, sizeof(*s));
	s->start_at_ms = -1;
}

static void
sshd_shipper_argv_free(char **argv, size_t *argc)
{
	for (size_t i = 0; i < *argc; i++)
		free(argv[i]);
	memset(argv, 0, sizeof(char *) * (SSHD_SHIPPER_MAX_ARGS + 1));
	*argc = 0;
}

static int
sshd_shipper_arg(char **argv, size_t *argc, const char *a)
{
	if (*argc >= SSHD_SHIPPER_MAX_ARGS)
		return MESH_ERR_RANGE;
	if ((argv[*argc] = strdup(a)) == NULL)
		return MESH_ERR_NOMEM;
	(*argc)++;
	return MESH_OK;
}

/* The shipper's command line for a configuration (pure but for allocation). */
static int
sshd_shipper_argv(const struct sshd_config *cfg, const char *host, char **argv, size_t *argc)
{
	const struct sshd_rec_conf *rc = &cfg->rec;
	char num[SSHD_SHIPPER_NUM_MAX];
	size_t i;
	int r = 0;

	*argc = 0;
	(void)snprintf(num, sizeof(num), "%" PRIu64, rc->spool_max);
	r |= sshd_shipper_arg(argv, argc, rc->shipper ? rc->shipper : SSHD_SHIPPER_DEFAULT);
	r |= sshd_shipper_arg(argv, argc, "--spool");
	r |= sshd_shipper_arg(argv, argc, rc->spool_dir ? rc->spool_dir : REC_DEFAULT_SPOOL_DIR);
	r |= sshd_shipper_arg(argv, argc, "--spool-max");
	r |= sshd_shipper_arg(argv, argc, num);
	r |= sshd_shipper_arg(argv, argc, "--host");
	r |= sshd_shipper_arg(argv, argc, host);
	for (i = 0; i < rc->naudit_sinks; i++) {
		r |= sshd_shipper_arg(argv, argc, "--audit-sink");
		r |= sshd_shipper_arg(argv, argc, rc->audit_sinks[i]);
	}
	if (rc->naudit_sinks == 0) {
		r |= sshd_shipper_arg(argv, argc, "--audit-sink");
		r |= sshd_shipper_arg(argv, argc, SSHD_SHIPPER_SINK_FILE);
	}
	for (i = 0; i < rc->nrec_sinks; i++) {
		r |= sshd_shipper_arg(argv, argc, "--recording-sink");
		r |= sshd_shipper_arg(argv, argc, rc->rec_sinks[i]);
	}
	if (rc->nrec_sinks == 0) {
		r |= sshd_shipper_arg(argv, argc, "--recording-sink");
		r |= sshd_shipper_arg(argv, argc, SSHD_SHIPPER_SINK_FILE);
	}
	if (r != 0) {
		sshd_shipper_argv_free(argv, argc);
		return MESH_ERR_NOMEM;
	}
	return MESH_OK;
}

static bool
sshd_shipper_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

int
sshd_shipper_configure(struct sshd_shipper *s, const struct sshd_config *cfg, const char *host)
{
	char *argv[SSHD_SHIPPER_MAX_ARGS + 1] = {0};
	size_t argc = 0;
	int r;

	if (cfg->rec.no_shipper) {
		if (s->pid > 0) {
			log_info("RecordingShipper none: stopping meshssh-shipper (pid %ld)",
			    (long)s->pid);
			(void)kill(s->pid, SIGTERM);
		}
		sshd_shipper_argv_free(s->argv, &s->argc);
		s->start_at_ms = -1;
		s->replacing = false;
		return MESH_OK;
	}
	if ((r = sshd_shipper_argv(cfg, host, argv, &argc)) != 0)
		return r;
	if (s->argc > 0 && sshd_shipper_same(argv, argc, s->argv, s->argc)) {
		sshd_shipper_argv_free(argv, &argc);
		if (s->pid == 0 && s->start_at_ms < 0)
			s->start_at_ms = 0;
		return MESH_OK;
	}
	sshd_shipper_argv_free(s->argv, &s->argc);
	memcpy(s->argv, argv, sizeof(argv));
	s->argc = argc;
	s->deaths = 0;
	if (s->pid > 0) {
		log_info("sinks changed: restarting meshssh-shipper (pid %ld)", (long)s->pid);
		(void)kill(s->pid, SIGTERM);
		s->replacing = true;
		s->start_at_ms = -1;
	} else {
		s->start_at_ms = 0;
	}
	return MESH_OK;
}

void
sshd_shipper_tick(struct sshd_shipper *s, int64_t now_ms)
{
	pid_t pid;

	if (s->pid > 0 || s->argc == 0 || s->start_at_ms < 0 || now_ms < s->start_at_ms)
		return;
	pid = fork();
	if (pid < 0) {
		log_error("meshssh-shipper: fork: %s", strerror(errno));
		s->start_at_ms = now_ms + sshd_shipper_backoff_ms(++s->deaths);
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)signal(SIGPIPE, SIG_DFL);
		(void)signal(SIGHUP, SIG_DFL);
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGINT, SIG_IGN); /* stopped by meshsshd, not by ^C on its terminal */
		(void)signal(SIGCHLD, SIG_DFL);
		(void)setpriority(PRIO_PROCESS, 0, SSHD_SHIPPER_NICE);
		execv(s->argv[0], s->argv);
		fprintf(stderr, "meshsshd: exec %s: %s\n", s->argv[0], strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	s->start_at_ms = -1;
	log_info("started meshssh-shipper (pid %ld)", (long)pid);
}

int64_t
sshd_shipper_backoff_ms(unsigned n)
{
	int64_t d = SSHD_SHIPPER_RESTART_MIN_MS;

	while (n-- > 1 && d < SSHD_SHIPPER_RESTART_MAX_MS)
		d *= 2;
	return d < SSHD_SHIPPER_RESTART_MAX_MS ? d : SSHD_SHIPPER_RESTART_MAX_MS;
}

bool
sshd_shipper_reaped(struct sshd_shipper *s, pid_t pid, int wstatus, int64_t now_ms)
{
	if (s->pid <= 0 || pid != s->pid)
		return false;
	s->pid = 0;
	if (s->replacing) {
		s->replacing = false;
		s->start_at_ms = now_ms;
		return true;
	}
	if (s->argc == 0)
		return true; /* RecordingShipper none */
	s->deaths++;
	s->start_at_ms = now_ms + sshd_shipper_backoff_ms(s->deaths);
	if (WIFSIGNALED(wstatus))
		log_error("meshssh-shipper killed by signal %d; restarting in %" PRId64 " ms",
		    WTERMSIG(wstatus), s->start_at_ms - now_ms);
	else
		log_error("meshssh-shipper exited with status %d; restarting in %" PRId64 " ms",
		    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, s->start_at_ms - now_ms);
	return true;
}

int
sshd_shipper_timeout_ms(const struct sshd_shipper *s, int64_t now_ms)
{
	if (s->pid > 0 || s->argc == 0 || s->start_at_ms < 0)
		return -1;
	if (s->start_at_ms <= now_ms)
		return 0;
	return (int)(s->start_at_ms - now_ms);
}

void
sshd_shipper_stop(struct sshd_shipper *s)
{
	int64_t deadline = sshd_shipper_now_ms() + SSHD_SHIPPER_STOP_WAIT_MS;
	int st;

	if (s->pid > 0) {
		(void)kill(s->pid, SIGTERM);
		while (waitpid(s->pid, &st, WNOHANG) == 0) {
			if (sshd_shipper_now_ms() >= deadline) {
				log_error("meshssh-shipper (pid %ld) did not stop; killing it",
				    (long)s->pid);
				(void)kill(s->pid, SIGKILL);
				(void)waitpid(s->pid, &st, 0);
				break;
			}
			(void)poll(NULL, 0, SSHD_SHIPPER_WAIT_STEP);
		}
		s->pid = 0;
	}
	sshd_shipper_argv_free(s->argv, &s->argc);
	s->start_at_ms = -1;
}
