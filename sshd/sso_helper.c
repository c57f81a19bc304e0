/*
 * meshssh-sso: the OIDC client of meshsshd, as a short-lived helper program.
 * meshsshd runs it (fork+exec, as root: it may read OIDCClientSecretFile)
 * for each SSO check and for meshsshd -t, so that libcurl, cjose and what
 * they pull in never load into the daemon or its connection processes.
 * It reads one request on stdin (sso_proto.h), runs discovery and the device
 * flow through lib/oidc, and answers with reply lines on stdout.  It never
 * consults or writes a check cache: that is meshsshd's business.  Every
 * HTTP request is bounded by OIDCTimeout and the flow by the device code's
 * lifetime (at most OIDC_FLOW_MAX_S); meshsshd bounds the whole run again.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "oidc.h"
#include "sso_proto.h"

struct sso_helper {
	struct oidc_config cfg;
	bool have_verb, test;
	char *owner, *node, *host_user;
	/* the last verdict event lib/oidc reported (subject, reason) */
	char subject[SSO_PROTO_LINE_MAX];
};

static int64_t
sso_helper_now(void)
{
	return (int64_t)time(NULL);
}

static void
sso_helper_reply(const struct sso_reply *r)
{
	char line[SSO_PROTO_LINE_MAX + 64];

	if (sso_proto_reply_format(r, line, sizeof(line)) != 0)
		return;
	(void)printf("%s\n", line);
	(void)fflush(stdout);
}

static void
sso_helper_say(enum sso_reply_kind kind, const char *subject, const char *text)
{
	static struct sso_reply r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	(void)snprintf(r.subject, sizeof(r.subject), "%s", subject ? subject : "");
	(void)snprintf(r.text, sizeof(r.text), "%s", text ? text : "");
	sso_helper_reply(&r);
}

static int
sso_helper_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	struct sso_helper *h = ctx;
	int r;

	if (h->have_verb)
		return mesh_error_set(err, MESH_ERR_PARSE, l->line, 0, "text after the verb");
	if (strcmp(l->keyword, SSO_PROTO_VERB_TEST) == 0) {
		h->have_verb = h->test = true;
		return conf_want_args(l, 0, false, err);
	}
	if (strcmp(l->keyword, SSO_PROTO_VERB_CHECK) == 0) {
		if ((r = conf_want_args(l, 3, false, err)) < 0)
			return r;
		h->have_verb = true;
		h->owner = strdup(l->args[0]);
		h->node = strdup(l->args[1]);
		h->host_user = strdup(l->args[2]);
		if (!h->owner || !h->node || !h->host_user)
			return mesh_error_set(err, MESH_ERR_NOMEM, l->line, 0, "out of memory");
		return 0;
	}
	r = oidc_config_keyword(&h->cfg, l, err);
	if (r == MESH_ERR_NOTFOUND)
		return mesh_error_set(
		    err, MESH_ERR_PARSE, l->line, 0, "unknown request line %s", l->keyword);
	return r;
}

/* lib/oidc's audit events carry the subject of a failed check: keep it. */
static void
sso_helper_audit(json_t *event, void *ctx)
{
	struct sso_helper *h = ctx;
	const char *s = json_string_value(json_object_get(event, "subject"));

	if (s != NULL)
		(void)snprintf(h->subject, sizeof(h->subject), "%s", s);
}

static void
sso_helper_show(const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char line[SSO_PROTO_LINE_MAX];

		(void)snprintf(line, sizeof(line), "%.*s", (int)n, p);
		sso_helper_say(SSO_REPLY_SHOW, NULL, line);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static int
sso_helper_check(struct sso_helper *h)
{
	struct oidc_check_request req = {
	    .owner = h->owner,
	    .node = h->node,
	    .host_user = h->host_user,
	    .period_s = 0,
	    .cache_file = NULL,
	};
	struct oidc_client *oc = NULL;
	struct oidc_check *ch = NULL;
	struct sso_reply started;
	struct mesh_error err;
	bool cached = false;
	int r;

	mesh_error_clear(&err);
	if ((r = oidc_client_new(&h->cfg, &oc, &err)) < 0)
		goto out;
	r = oidc_check_begin(
	    oc, NULL, &req, sso_helper_now(), sso_helper_audit, h, &ch, &cached, &err);
	if (r < 0)
		goto out;
	sso_helper_show(oidc_check_instructions(ch));
	memset(&started, 0, sizeof(started));
	started.kind = SSO_REPLY_STARTED;
	started.expires_at = oidc_check_flow_info(ch)->expires_at;
	sso_helper_reply(&started);
	do {
		int64_t wait_s = oidc_check_next_poll(ch) - sso_helper_now();

		if (wait_s > 0)
			(void)sleep((unsigned)wait_s);
		r = oidc_check_step(ch, sso_helper_now(), &err);
	} while (r == MESH_ERR_AGAIN);
	if (r == 0) {
		const struct oidc_identity *id = oidc_check_identity(ch);

		log_info("check passed for %s (node %s) as %s: subject %s", h->owner, h->node,
		    h->host_user, id->subject);
		sso_helper_say(SSO_REPLY_PASS, id->subject, id->value);
	}
out:
	if (r < 0) {
		log_info("check for %s (node %s): %s", h->owner ? h->owner : "?",
		    h->node ? h->node : "?", err.text);
		sso_helper_say(r == MESH_ERR_EXPIRED ? SSO_REPLY_TIMEOUT : SSO_REPLY_FAIL,
		    h->subject, err.text[0] ? err.text : mesh_strerror(r));
	}
	oidc_check_free(ch);
	oidc_client_free(oc);
	return r < 0 ? 1 : 0;
}

static int
sso_helper_test(struct sso_helper *h)
{
	struct mesh_error err;
	char text[SSO_PROTO_LINE_MAX];

	mesh_error_clear(&err);
	if (oidc_config_test(&h->cfg, sso_helper_now(), &err) < 0) {
		sso_helper_say(SSO_REPLY_FAIL, NULL, err.text);
		return 1;
	}
	(void)snprintf(
	    text, sizeof(text), "issuer %s reachable, discovery and keys good", h->cfg.issuer);
	sso_helper_say(SSO_REPLY_OK, NULL, text);
	return 0;
}

/* The request: everything on stdin up to EOF, at most SSO_PROTO_REQUEST_MAX bytes. */
static int
sso_helper_read(char *buf, size_t cap, size_t *len)
{
	size_t off = 0;

	for (;;) {
		ssize_t n = read(0, buf + off, cap - off);

		if (n == 0)
			break;
		if (n < 0)
			return MESH_ERR_IO;
		off += (size_t)n;
		if (off == cap)
			return MESH_ERR_RANGE;
	}
	*len = off;
	return 0;
}

int
main(int argc, char **argv)
{
	static char req[SSO_PROTO_REQUEST_MAX];
	struct mesh_log_opts lo = {.ident = "meshssh-sso",
	    .level = MESH_LOG_INFO,
	    .to_stderr = false,
	    .to_syslog = true,
	    .facility = LOG_AUTH};
	struct sso_helper h;
	struct mesh_error err;
	size_t len = 0;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "de")) != -1) {
		switch (opt) {
		case 'd':
			lo.level = MESH_LOG_DEBUG;
			break;
		case 'e':
			lo.to_stderr = true;
			lo.to_syslog = false;
			break;
		default:
			(void)fprintf(stderr, "usage: meshssh-sso [-de] < request\n");
			return 2;
		}
	}
	mesh_log_init(&lo);
	memset(&h, 0, sizeof(h));
	oidc_config_init(&h.cfg);
	mesh_error_clear(&err);
	if (sso_helper_read(req, sizeof(req), &len) != 0) {
		sso_helper_say(SSO_REPLY_FAIL, NULL, "sso helper: cannot read the request");
		goto out;
	}
	if (conf_parse(req, len, sso_helper_line, &h, &err) != 0 ||
	    (!h.have_verb &&
		mesh_error_set(&err, MESH_ERR_PARSE, 0, 0, "no Check or Test line") < 0) ||
	    oidc_config_validate(&h.cfg, &err) != 0 ||
	    (!oidc_config_enabled(&h.cfg) &&
		mesh_error_set(&err, MESH_ERR_INVALID, 0, 0, "OIDCIssuer is not set") < 0)) {
		char text[SSO_PROTO_LINE_MAX];

		(void)snprintf(text, sizeof(text), "sso helper: bad request: %s", err.text);
		log_error("%s", text);
		sso_helper_say(SSO_REPLY_FAIL, NULL, text);
		goto out;
	}
	rc = h.test ? sso_helper_test(&h) : sso_helper_check(&h);
out:
	free(h.owner);
	free(h.node);
	free(h.host_user);
	oidc_config_clear(&h.cfg);
	return rc;
}
