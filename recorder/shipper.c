/*
 * meshssh-shipper: the process meshsshd starts to deliver the spool to the
 * configured sinks (recorder/ship.h).  It never touches a session.
 *
 *   meshssh-shipper --spool DIR [--spool-max BYTES] [--host NAME]
 *       [--audit-sink "SPEC [opt=val...]"]... [--recording-sink "SPEC ..."]...
 *       [--backoff-min-ms N] [--backoff-max-ms N] [--poll-ms N] [--once] [-v]
 *
 * SPEC and options are what RecordingSink/AuditSink take in meshsshd.conf.
 * --once delivers what the spool holds and exits (0 when everything was
 * delivered, 1 when a sink failed).  SIGTERM stops it after the current batch.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "ship.h"
#include "sinkspec.h"

#define SHIPPER_ARGS_MAX 8

static volatile sig_atomic_t shipper_stop;

static void
shipper_on_signal(int sig)
{
	(void)sig;
	shipper_stop = 1;
}

static int
shipper_add_sink(struct ship_sink_conf *sinks, size_t *n, const char *arg, unsigned what)
{
	char buf[1024], *save = NULL, *w;
	const char *words[SHIPPER_ARGS_MAX];
	size_t nw = 0;
	struct mesh_error err = {0};

	if (*n >= SHIP_MAX_SINKS) {
		fprintf(stderr, "meshssh-shipper: at most %d sinks\n", SHIP_MAX_SINKS);
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf)) {
		fprintf(stderr, "meshssh-shipper: sink argument too long\n");
		return -1;
	}
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (nw == SHIPPER_ARGS_MAX) {
			fprintf(stderr, "meshssh-shipper: too many sink options\n");
			return -1;
		}
		words[nw++] = w;
	}
	if (nw == 0 || sinkspec_parse(words[0], words + 1, nw - 1, &sinks[*n].spec, &err) != 0) {
		fprintf(stderr, "meshssh-shipper: %s\n", nw ? err.text : "empty sink");
		return -1;
	}
	sinks[*n].what = what;
	(*n)++;
	return 0;
}

static unsigned
shipper_uint(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 3600000ul) {
		fprintf(stderr, "meshssh-shipper: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return (unsigned)v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"spool", required_argument, NULL, 's'},
	    {"spool-max", required_argument, NULL, 'm'},
	    {"host", required_argument, NULL, 'H'},
	    {"audit-sink", required_argument, NULL, 'a'},
	    {"recording-sink", required_argument, NULL, 'r'},
	    {"backoff-min-ms", required_argument, NULL, 'b'},
	    {"backoff-max-ms", required_argument, NULL, 'B'},
	    {"poll-ms", required_argument, NULL, 'p'},
	    {"once", no_argument, NULL, 'o'},
	    {"verbose", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct ship_sink_conf sinks[SHIP_MAX_SINKS];
	struct ship_conf conf = {0};
	struct mesh_log_opts lo = {.ident = "meshssh-shipper",
	    .level = MESH_LOG_INFO,
	    .to_stderr = true,
	    .facility = LOG_DAEMON};
	struct mesh_error err = {0};
	struct sigaction sa;
	struct ship *ship = NULL;
	char host[256] = "";
	int c, once = 0, r;

	memset(sinks, 0, sizeof(sinks));
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			conf.spool_dir = optarg;
			break;
		case 'm': {
			char *end;

			conf.spool_max_bytes = strtoull(optarg, &end, 10);
			if (*end || end == optarg) {
				fprintf(stderr, "meshssh-shipper: bad --spool-max\n");
				return 2;
			}
			break;
		}
		case 'H':
			conf.host = optarg;
			break;
		case 'a':
		case 'r':
			if (shipper_add_sink(sinks, &conf.nsinks, optarg,
				c == 'a' ? SHIP_AUDIT : SHIP_RECORDING) != 0)
				return 2;
			break;
		case 'b':
			conf.backoff_min_ms = shipper_uint(optarg, "--backoff-min-ms");
			break;
		case 'B':
			conf.backoff_max_ms = shipper_uint(optarg, "--backoff-max-ms");
			break;
		case 'p':
			conf.poll_ms = shipper_uint(optarg, "--poll-ms");
			break;
		case 'o':
			once = 1;
			break;
		case 'v':
			lo.level = MESH_LOG_DEBUG;
			break;
		default:
			fprintf(stderr,
			    "usage: meshssh-shipper --spool DIR [--audit-sink SPEC]... "
			    "[--recording-sink SPEC]... [--once]\n");
			return 2;
		}
	}
	if (conf.spool_dir == NULL || optind != argc) {
		fprintf(stderr, "meshssh-shipper: --spool DIR is required\n");
		return 2;
	}
	if (conf.host == NULL) {
		(void)gethostname(host, sizeof(host) - 1);
		conf.host = host;
	}
	mesh_log_init(&lo);
	conf.sinks = sinks;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = shipper_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r = ship_new(&conf, &ship, &err)) != 0) {
		log_error("meshssh-shipper: %s", err.text[0] ? err.text : mesh_strerror(r));
		return 1;
	}
	r = ship_run(ship, &shipper_stop, once);
	ship_free(ship);
	if (r != 0 && once)
		log_error("meshssh-shipper: not everything was delivered: %s", mesh_strerror(r));
	return r == 0 ? 0 : 1;
}
