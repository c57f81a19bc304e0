/*
 * meshctl recordings list|export|play --source SINK: find, export and play
 * session recordings where the shipper delivered them (a file sink's
 * directory or Loki).  SINK is written as in meshsshd.conf's RecordingSink.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "meshctl.h"
#include "../recorder/source.h"

#define PLAY_MAX_SPEED	1000.0
#define PLAY_NS_PER_SEC 1e9

static int rec_cmd_list(int argc, char **argv);
static int rec_cmd_export(int argc, char **argv);
static int rec_cmd_play(int argc, char **argv);

const struct meshctl_cmd meshctl_cmds_recordings[] = {
    {"recordings list", "--source SINK [--since DAYS]", "list session recordings in a sink",
	rec_cmd_list},
    {"recordings export", "--source SINK [-o FILE] ID",
	"write one recording as an asciicast v2 file (.cast)", rec_cmd_export},
    {"recordings play", "--source SINK [--speed X] [--idle-limit SECONDS] ID",
	"replay one recording in this terminal", rec_cmd_play},
    {NULL, NULL, NULL, NULL},
};

struct rec_opts {
	const char *source;
	const char *output;
	const char *id;
	double speed;
	double idle_limit;
	int64_t since_s;
};

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
rec_parse(const char *name, int argc, char **argv, struct rec_opts *o, bool want_id)
{
	static const struct option opts[] = {
	    {"source", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"speed", required_argument, NULL, 'x'},
	    {"idle-limit", required_argument, NULL, 'i'},
	    {"since", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->speed = 1.0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->source = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'x':
			o->speed = strtod(optarg, &end);
			if (*end || !(o->speed > 0 && o->speed <= PLAY_MAX_SPEED)) {
				meshctl_err("recordings: --speed wants a number in (0, %g]",
				    PLAY_MAX_SPEED);
				return MESHCTL_EXIT_USAGE;
			}
			break;
		case 'i':
			o->idle_limit = strtod(optarg, &end);
			if (*end || o->idle_limit < 0) {
				meshctl_err("recordings: --idle-limit wants seconds >= 0");
				return MESHCTL_EXIT_USAGE;
			}
			break;
		case 'd':
			o->since_s = strtoll(optarg, &end, 10) * 24 * 3600;
			if (*end || o->since_s <= 0) {
				meshctl_err("recordings: --since wants a number of days");
				return MESHCTL_EXIT_USAGE;
			}
			break;
		default:
			return meshctl_usage(name);
		}
	}
	if (o->source == NULL) {
		meshctl_err("recordings: --source SINK is required (e.g. file:/var/log/meshssh or "
			    "loki:http://127.0.0.1:3100)");
		return MESHCTL_EXIT_USAGE;
	}
	if (want_id) {
		if (optind + 1 != argc)
			return meshctl_usage(name);
		o->id = argv[optind];
	} else if (optind != argc)
		return meshctl_usage(name);
	return MESHCTL_EXIT_OK;
}

static int
rec_open(const struct rec_opts *o, struct rec_source **src)
{
	struct sinkspec spec;
	struct mesh_error err = {0};

	if (sinkspec_parse(o->source, NULL, 0, &spec, &err) != 0 ||
	    rec_source_open(&spec, o->since_s, src, &err) != 0) {
		meshctl_err("recordings: %s", err.text);
		return MESHCTL_EXIT_USAGE;
	}
	return MESHCTL_EXIT_OK;
}

static int
rec_cmd_list(int argc, char **argv)
{
	struct rec_opts o;
	struct rec_source *src = NULL;
	struct rec_summary *v = NULL;
	struct mesh_error err = {0};
	size_t n = 0;
	int r;

	if ((r = rec_parse("recordings list", argc, argv, &o, false)) != 0 ||
	    (r = rec_open(&o, &src)) != 0)
		return r;
	if (rec_source_list(src, wall_ns(), &v, &n, &err) != 0) {
		meshctl_err("recordings list: %s", err.text);
		rec_source_free(src);
		return MESHCTL_EXIT_FAIL;
	}
	printf("%-32s  %-20s  %-24s  %-12s  %-6s  %s\n", "ID", "STARTED (UTC)", "SOURCE",
	    "LOCAL USER", "EXIT", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		char when[32] = "-", src_s[300], exit_s[16];
		time_t t = (time_t)v[i].timestamp;
		struct tm tm;

		if (gmtime_r(&t, &tm))
			(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		(void)snprintf(src_s, sizeof(src_s), "%s%s%s", v[i].src_node_user,
		    v[i].src_node_user[0] && v[i].src_node[0] ? "@" : "", v[i].src_node);
		if (v[i].complete)
			(void)snprintf(exit_s, sizeof(exit_s), "%d", v[i].exit_status);
		else
			(void)snprintf(exit_s, sizeof(exit_s), "open");
		printf("%-32s  %-20s  %-24s  %-12s  %-6s  %s\n", v[i].id, when,
		    src_s[0] ? src_s : "-", v[i].local_user[0] ? v[i].local_user : "-", exit_s,
		    v[i].truncated	  ? "(start lost: spool overflow)"
			: v[i].command[0] ? v[i].command
					  : "(login shell)");
	}
	free(v);
	rec_source_free(src);
	return MESHCTL_EXIT_OK;
}

static int
rec_fetch(const char *name, int argc, char **argv, struct rec_opts *o, struct cast_buf *out)
{
	struct rec_source *src = NULL;
	struct mesh_error err = {0};
	int r;

	if ((r = rec_parse(name, argc, argv, o, true)) != 0 || (r = rec_open(o, &src)) != 0)
		return r;
	r = rec_source_export(src, o->id, wall_ns(), out, &err);
	rec_source_free(src);
	if (r != 0) {
		meshctl_err("%s: %s", name, err.text);
		return r == MESH_ERR_INVALID ? MESHCTL_EXIT_USAGE : MESHCTL_EXIT_FAIL;
	}
	return MESHCTL_EXIT_OK;
}

static int
write_all(FILE *f, const char *p, size_t len)
{
	return fwrite(p, 1, len, f) == len && fflush(f) == 0 ? 0 : -1;
}

static int
rec_cmd_export(int argc, char **argv)
{
	struct rec_opts o;
	struct cast_buf b = {0};
	FILE *f = stdout;
	int r;

	if ((r = rec_fetch("recordings export", argc, argv, &o, &b)) != 0)
		goto out;
	if (o.output && (f = fopen(o.output, "wx")) == NULL) {
		meshctl_err("recordings export: %s: %s", o.output, strerror(errno));
		r = MESHCTL_EXIT_FAIL;
		goto out;
	}
	if (write_all(f, b.p, b.len) != 0) {
		meshctl_err("recordings export: write: %s", strerror(errno));
		r = MESHCTL_EXIT_FAIL;
	}
	if (f != stdout && fclose(f) != 0)
		r = MESHCTL_EXIT_FAIL;
out:
	cast_buf_free(&b);
	return r;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * PLAY_NS_PER_SEC);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
rec_cmd_play(int argc, char **argv)
{
	struct rec_opts o;
	struct cast_buf b = {0};
	double prev = 0;
	size_t pos;
	int r;

	if ((r = rec_fetch("recordings play", argc, argv, &o, &b)) != 0)
		goto out;
	pos = 0;
	while (pos < b.len) {
		const char *p = b.p + pos, *nl = memchr(p, '\n', b.len - pos);
		size_t l = nl ? (size_t)(nl - p) : b.len - pos;
		json_t *ev;

		pos += l + 1;
		if (l == 0 || p[0] != '[' || (ev = json_loadb(p, l, 0, NULL)) == NULL)
			continue;
		{
			double t = json_number_value(json_array_get(ev, 0)), gap = t - prev;
			const char *code = json_string_value(json_array_get(ev, 1));
			json_t *data = json_array_get(ev, 2);

			if (o.idle_limit > 0 && gap > o.idle_limit)
				gap = o.idle_limit;
			if (code && strcmp(code, "o") == 0) {
				sleep_s(gap / o.speed);
				if (write_all(stdout, json_string_value(data),
					json_string_length(data)) != 0) {
					json_decref(ev);
					r = MESHCTL_EXIT_FAIL;
					goto out;
				}
				if (t > prev)
					prev = t;
			}
		}
		json_decref(ev);
	}
out:
	cast_buf_free(&b);
	return r;
}
