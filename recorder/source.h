/*
 * Reading recordings back from where the shipper put them, for
 * `meshctl recordings list|export|play --source SINK`: a file sink's
 * directory or Loki's query API (GET /loki/api/v1/query_range and
 * /loki/api/v1/label/session/values, the labels sink_loki.c writes).
 *
 * An exported recording is normalised (cast_normalize): the header first,
 * then events in time order with exact duplicates (a batch delivered twice)
 * removed, so `asciinema cat` reproduces the session's output.
 */
#ifndef MESH_SOURCE_H
#define MESH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asciicast.h"
#include "error.h"
#include "recorder.h"
#include "sinkspec.h"

#define SOURCE_DEFAULT_SINCE_S (30ll * 24 * 3600) /* within Loki's default 721h limit */
#define SOURCE_LOKI_PAGE_LINES 5000

struct rec_summary {
	char id[REC_SESSION_ID_CHARS + 1];
	int64_t timestamp;
	char src_node[128];
	char src_node_user[128];
	char local_user[64];
	char command[256];
	bool complete;	/* has the exit event */
	bool truncated; /* its start was lost (spool overflow) */
	int exit_status;
	uint64_t events;
};

struct rec_source;

/* file: and loki: sinks can be read back; others are MESH_ERR_UNSUPPORTED. */
int rec_source_open(
    const struct sinkspec *spec, int64_t since_s, struct rec_source **out, struct mesh_error *err);
void rec_source_free(struct rec_source *s);
/* All recordings, oldest first; *out is malloc'd. now_ns bounds a Loki query. */
int rec_source_list(struct rec_source *s, uint64_t now_ns, struct rec_summary **out, size_t *n,
    struct mesh_error *err);
/* One recording as asciicast v2 text. */
int rec_source_export(struct rec_source *s, const char *id, uint64_t now_ns, struct cast_buf *out,
    struct mesh_error *err);

/*
 * Pure: normalise asciicast text (lines in any order, possibly repeated):
 * header first, events stably sorted by time, exact duplicates dropped.
 * A recording whose start was dropped from a full spool gets a stand-in
 * header with "truncated": true (80x24), so it still plays.
 */
int cast_normalize(const char *text, size_t len, struct cast_buf *out, struct mesh_error *err);
/* Pure: fill a summary from normalised asciicast text. */
int cast_summarize(const char *text, size_t len, struct rec_summary *out);

#endif
