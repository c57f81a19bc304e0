/*
 * Recording and audit keywords of meshsshd.conf (AuditSink, RecordingSink,
 * RecordingSpool, RecordingSpoolMaxSize, RecordInput, RecordingShipper,
 * RecordSessions): the struct they fill
 * and the keyword hook sshd_config calls for keywords it does not know.
 * Sink lines are checked with recorder/sinkspec and kept as their text, to be
 * handed to meshssh-shipper.  With no sink lines, audit events and recordings
 * go to the file sink SSHD_REC_DEFAULT_SINK_DIR.  Format in man/meshsshd.conf.5.
 */
#ifndef MESH_SSHD_RECORD_CONF_H
#define MESH_SSHD_RECORD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"

#define SSHD_REC_MAX_SINKS	   8
#define SSHD_REC_DEFAULT_SINK_DIR  "/var/log/meshssh"
#define SSHD_REC_DEFAULT_SPOOL_MAX (256ULL * 1024 * 1024) /* bytes */
#define SSHD_REC_MIN_SPOOL_MAX	   (1ULL * 1024 * 1024)	  /* bytes */

/* RecordSessions: which sessions are recorded. */
enum sshd_rec_sessions {
	SSHD_REC_POLICY = 0, /* those whose rule names a recorder or enforceRecorder (default) */
	SSHD_REC_ALL,	     /* yes: every shell and exec session */
	SSHD_REC_NONE,	     /* no: audit events only; enforceRecorder refuses */
};

struct sshd_rec_conf {
	char *audit_sinks[SSHD_REC_MAX_SINKS]; /* "SPEC opt=val ..." as written */
	size_t naudit_sinks;
	char *rec_sinks[SSHD_REC_MAX_SINKS];
	size_t nrec_sinks;
	char *spool_dir;    /* NULL: REC_DEFAULT_SPOOL_DIR */
	uint64_t spool_max; /* bytes */
	bool record_input;
	enum sshd_rec_sessions record_sessions; /* RecordSessions */
	char *shipper;				/* RecordingShipper: NULL for the installed one */
	bool no_shipper;			/* RecordingShipper none: do not start one */
};

/* Pure: is a session recorded, under mode, for a rule with these settings? */
bool sshd_rec_wanted(enum sshd_rec_sessions mode, bool rule_recorder, bool rule_enforce);

void sshd_rec_conf_init(struct sshd_rec_conf *rc);
void sshd_rec_conf_free(struct sshd_rec_conf *rc);

/* One config line; MESH_ERR_NOTFOUND when the keyword is not one of ours. */
int sshd_rec_conf_keyword(
    struct sshd_rec_conf *rc, const struct conf_line *l, struct mesh_error *err);

#endif
