/*
 * Sink specifications, as written in meshsshd.conf and on meshctl's command
 * line:
 *
 *   RecordingSink file:/var/log/meshssh
 *   AuditSink     loki:http://127.0.0.1:3100 [tenant=ID]
 *   AuditSink     hec:https://splunk:8088/services/collector/event token=/etc/meshssh/hec.token
 *   AuditSink     syslog:logs.example.com:514
 *   AuditSink     syslog+tls:logs.example.com:6514 ca=/etc/meshssh/log-ca.pem
 *                 [cert=FILE key=FILE]
 *
 * sinkspec_parse() is pure and is what meshsshd's keyword table calls with
 * the line's arguments (the first is the spec, the rest name=value options).
 */
#ifndef MESH_SINKSPEC_H
#define MESH_SINKSPEC_H

#include <stddef.h>

#include "error.h"

#define SINKSPEC_TARGET_MAX 512
#define SINKSPEC_PATH_MAX   256
#define SINKSPEC_HOST_MAX   256

enum sink_type {
	SINK_FILE = 0,
	SINK_LOKI,
	SINK_HEC,
	SINK_SYSLOG,
	SINK_SYSLOG_TLS,
};

struct sinkspec {
	enum sink_type type;
	char target[SINKSPEC_TARGET_MAX]; /* directory (file) or URL (loki, hec) */
	char host[SINKSPEC_HOST_MAX];	  /* syslog */
	unsigned port;			  /* syslog */
	char ca_file[SINKSPEC_PATH_MAX];  /* TLS: trust anchors (default: system) */
	char cert_file[SINKSPEC_PATH_MAX];
	char key_file[SINKSPEC_PATH_MAX];
	char token_file[SINKSPEC_PATH_MAX]; /* hec: file holding the HEC token (0600) */
	char tenant[128];		    /* loki: X-Scope-OrgID */
};

/* "file", "loki", "hec", "syslog", "syslog+tls" */
const char *sinkspec_scheme(enum sink_type t);

/* Parse spec and options ("name=value"); err says which part is wrong. */
int sinkspec_parse(const char *spec, const char *const *opts, size_t nopts, struct sinkspec *out,
    struct mesh_error *err);

/* Canonical text "scheme:target" (without options) into buf. */
int sinkspec_format(const struct sinkspec *s, char *buf, size_t len);

#endif
