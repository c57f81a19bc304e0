/*
 * Sink table and the pure rendering helpers every sink shares.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sink.h"

#define AUDIT_PREFIX "{\"v\":"

const struct sink_ops *
sink_ops_for(enum sink_type t)
{
	switch (t) {
	case SINK_FILE:
		return &sink_file_ops;
	case SINK_LOKI:
		return &sink_loki_ops;
	case SINK_HEC:
		return &sink_hec_ops;
	case SINK_SYSLOG:
	case SINK_SYSLOG_TLS:
		return &sink_syslog_ops;
	}
	return NULL;
}

int
sink_render_audit(const struct spool_record *rec, struct cast_buf *out)
{
	const char *p = (const char *)rec->data, *comma;
	char seq[40];
	int n;

	/* the emitter writes {"v":N,...}: insert "seq" right after "v" */
	if (rec->len < sizeof(AUDIT_PREFIX) || memcmp(p, AUDIT_PREFIX, strlen(AUDIT_PREFIX)) != 0 ||
	    (comma = memchr(p, ',', rec->len)) == NULL)
		return MESH_ERR_PARSE;
	n = snprintf(seq, sizeof(seq), ",\"seq\":%" PRIu64, rec->subseq);
	if (n < 0 || n >= (int)sizeof(seq))
		return MESH_ERR_RANGE;
	if (cast_buf_append(out, p, (size_t)(comma - p)) != 0 ||
	    cast_buf_append(out, seq, (size_t)n) != 0 ||
	    cast_buf_append(out, comma, rec->len - (size_t)(comma - p)) != 0)
		return MESH_ERR_NOMEM;
	return MESH_OK;
}

int
sink_audit_text(const struct spool_record *rec, struct cast_buf *out)
{
	out->len = 0;
	if (sink_render_audit(rec, out) == 0)
		return MESH_OK;
	out->len = 0;
	return cast_buf_append(out, rec->data, rec->len);
}

int
sink_next_line(const struct spool_record *rec, size_t *pos, const char **line, size_t *len)
{
	const char *p = (const char *)rec->data;
	const char *nl;

	if (*pos >= rec->len)
		return MESH_ERR_NOTFOUND;
	nl = memchr(p + *pos, '\n', rec->len - *pos);
	*line = p + *pos;
	*len = nl ? (size_t)(nl - (p + *pos)) : rec->len - *pos;
	*pos += *len + 1;
	if (*len == 0)
		return sink_next_line(rec, pos, line, len);
	return MESH_OK;
}
