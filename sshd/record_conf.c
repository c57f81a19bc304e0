/*
 * Recording and audit keywords of meshsshd.conf (see record_conf.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record_conf.h"
#include "sinkspec.h"

#define SSHD_REC_SPOOL_MAX_LIMIT (1ULL << 40) /* bytes */
#define SSHD_REC_SINK_LINE_MAX	 2048	      /* bytes of "SPEC opt=val ..." */

bool
sshd_rec_wanted(enum sshd_rec_sessions mode, bool rule_recorder, bool rule_enforce)
{
	switch (mode) {
	case SSHD_REC_ALL:
		return true;
	case SSHD_REC_NONE:
		return false;
	case SSHD_REC_POLICY:
	default:
		return rule_recorder || rule_enforce;
	}
}

void
sshd_rec_conf_init(struct sshd_rec_conf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->spool_max = SSHD_REC_DEFAULT_SPOOL_MAX;
}

void
sshd_rec_conf_free(struct sshd_rec_conf *rc)
{
	for (size_t i = 0; i < rc->naudit_sinks; i++)
		free(rc->audit_sinks[i]);
	for (size_t i = 0; i < rc->nrec_sinks; i++)
		free(rc->rec_sinks[i]);
	free(rc->spool_dir);
	free(rc->shipper);
	memset(rc, 0, sizeof(*rc));
}

/* Check "SPEC [opt=val...]" with sinkspec_parse and keep it as one line. */
static int
sshd_rec_sink(char **list, size_t *n, const struct conf_line *l, struct mesh_error *err)
{
	struct sinkspec spec;
	char line[SSHD_REC_SINK_LINE_MAX];
	size_t used = 0;
	int r;

	if ((r = conf_want_args(l, 1, true, err)) != 0)
		return r;
	if (*n >= SSHD_REC_MAX_SINKS)
		return mesh_error_set(err, MESH_ERR_RANGE, l->line, 0, "%s: at most %d sinks",
		    l->keyword, SSHD_REC_MAX_SINKS);
	if ((r = sinkspec_parse(l->args[0], l->args + 1, l->nargs - 1, &spec, err)) != 0) {
		err->line = l->line;
		return r;
	}
	for (size_t i = 0; i < l->nargs; i++) {
		size_t len = strlen(l->args[i]);

		if (used + len + 2 > sizeof(line))
			return mesh_error_set(
			    err, MESH_ERR_RANGE, l->line, 0, "%s: line too long", l->keyword);
		if (i > 0)
			line[used++] = ' ';
		memcpy(line + used, l->args[i], len);
		used += len;
	}
	line[used] = '\0';
	if ((list[*n] = strdup(line)) == NULL)
		return MESH_ERR_NOMEM;
	(*n)++;
	return MESH_OK;
}

int
sshd_rec_conf_keyword(struct sshd_rec_conf *rc, const struct conf_line *l, struct mesh_error *err)
{
	int r;

	if (strcasecmp(l->keyword, "AuditSink") == 0)
		return sshd_rec_sink(rc->audit_sinks, &rc->naudit_sinks, l, err);
	if (strcasecmp(l->keyword, "RecordingSink") == 0)
		return sshd_rec_sink(rc->rec_sinks, &rc->nrec_sinks, l, err);
	if (strcasecmp(l->keyword, "RecordingSpool") == 0) {
		char *s;

		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		if (l->args[0][0] != '/')
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "RecordingSpool: \"%s\" is not an absolute path", l->args[0]);
		if ((s = strdup(l->args[0])) == NULL)
			return MESH_ERR_NOMEM;
		free(rc->spool_dir);
		rc->spool_dir = s;
		return MESH_OK;
	}
	if (strcasecmp(l->keyword, "RecordingShipper") == 0) {
		char *s = NULL;

		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		rc->no_shipper = strcasecmp(l->args[0], "none") == 0;
		if (!rc->no_shipper && l->args[0][0] != '/')
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "RecordingShipper: \"%s\" is neither none nor an absolute path",
			    l->args[0]);
		if (!rc->no_shipper && (s = strdup(l->args[0])) == NULL)
			return MESH_ERR_NOMEM;
		free(rc->shipper);
		rc->shipper = s;
		return MESH_OK;
	}
	if (strcasecmp(l->keyword, "RecordingSpoolMaxSize") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		return conf_arg_uint(
		    l, 0, SSHD_REC_MIN_SPOOL_MAX, SSHD_REC_SPOOL_MAX_LIMIT, &rc->spool_max, err);
	}
	if (strcasecmp(l->keyword, "RecordSessions") == 0) {
		bool yes;

		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		if (strcasecmp(l->args[0], "policy") == 0) {
			rc->record_sessions = SSHD_REC_POLICY;
			return MESH_OK;
		}
		if ((r = conf_arg_bool(l, 0, &yes, err)) != 0)
			return r;
		rc->record_sessions = yes ? SSHD_REC_ALL : SSHD_REC_NONE;
		return MESH_OK;
	}
	if (strcasecmp(l->keyword, "RecordInput") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		return conf_arg_bool(l, 0, &rc->record_input, err);
	}
	return MESH_ERR_NOTFOUND;
}
