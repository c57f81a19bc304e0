/*
 * One SSO check from start to verdict, as meshsshd runs it for a `check`
 * rule: consult the check cache, run the device flow, match the verified
 * identity with the node owner, remember a pass for checkPeriod, and emit an
 * audit event at every transition, so no path can skip the audit trail.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checkcache.h"
#include "oidc.h"

struct oidc_check {
	struct oidc_client *client;
	struct checkcache *cache;
	char *cache_file;
	struct oidc_flow *flow;
	char *owner;
	char *node;
	char *host_user;
	int64_t period_s;
	oidc_audit_fn audit;
	void *audit_ctx;
	struct oidc_identity id;
	bool finished;
	bool passed;
	char instructions[OIDC_INSTRUCTIONS_MAX];
};

static void
check_audit(const struct oidc_check *ch, enum oidc_audit_kind kind, const char *reason, int64_t now)
{
	struct oidc_audit_info info = {
	    .owner = ch->owner,
	    .node = ch->node,
	    .host_user = ch->host_user,
	    .issuer = oidc_client_issuer(ch->client),
	    .subject = ch->id.subject,
	    .reason = reason,
	    .time = now,
	};
	json_t *ev;

	if (ch->audit == NULL || (ev = oidc_audit_event(kind, &info)) == NULL)
		return;
	ch->audit(ev, ch->audit_ctx);
	json_decref(ev);
}

static bool
check_cached(const struct checkcache *cache, const struct oidc_check_request *req, int64_t now)
{
	if (req->cache_file)
		return checkcache_file_valid(
		    req->cache_file, req->owner, req->node, req->host_user, now, req->period_s);
	return cache &&
	    checkcache_valid(cache, req->owner, req->node, req->host_user, now, req->period_s);
}

void
oidc_check_free(struct oidc_check *ch)
{
	if (ch == NULL)
		return;
	oidc_flow_free(ch->flow);
	oidc_identity_clear(&ch->id);
	free(ch->owner);
	free(ch->node);
	free(ch->host_user);
	free(ch->cache_file);
	free(ch);
}

int
oidc_check_begin(struct oidc_client *c, struct checkcache *cache,
    const struct oidc_check_request *req, int64_t now, oidc_audit_fn audit, void *audit_ctx,
    struct oidc_check **out, bool *cached, struct mesh_error *err)
{
	struct oidc_check *ch;
	int r;

	*out = NULL;
	*cached = false;
	if (req->owner == NULL || req->node == NULL || req->host_user == NULL)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "sso: incomplete check request");
	if (check_cached(cache, req, now)) {
		*cached = true;
		return 0;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	ch->client = c;
	ch->cache = cache;
	ch->period_s = req->period_s;
	ch->audit = audit;
	ch->audit_ctx = audit_ctx;
	ch->owner = strdup(req->owner);
	ch->node = strdup(req->node);
	ch->host_user = strdup(req->host_user);
	ch->cache_file = req->cache_file ? strdup(req->cache_file) : NULL;
	if (!ch->owner || !ch->node || !ch->host_user || (req->cache_file && !ch->cache_file)) {
		oidc_check_free(ch);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	check_audit(ch, OIDC_AUDIT_STARTED, NULL, now);
	if ((r = oidc_flow_start(c, now, &ch->flow, err)) < 0 ||
	    (r = oidc_flow_instructions(
		 oidc_flow_info(ch->flow), now, ch->instructions, sizeof(ch->instructions))) < 0) {
		if (r == MESH_ERR_RANGE)
			mesh_error_set(err, r, 0, 0, "sso: instructions too long");
		check_audit(ch, OIDC_AUDIT_FAILED, err ? err->text : mesh_strerror(r), now);
		oidc_check_free(ch);
		return r;
	}
	*out = ch;
	return 0;
}

const char *
oidc_check_instructions(const struct oidc_check *ch)
{
	return ch->instructions;
}

const struct oidc_flow_info *
oidc_check_flow_info(const struct oidc_check *ch)
{
	return oidc_flow_info(ch->flow);
}

int64_t
oidc_check_next_poll(const struct oidc_check *ch)
{
	return oidc_flow_next_poll(ch->flow);
}

const struct oidc_identity *
oidc_check_identity(const struct oidc_check *ch)
{
	return ch->passed ? &ch->id : NULL;
}

int
oidc_check_step(struct oidc_check *ch, int64_t now, struct mesh_error *err)
{
	int r;

	if (ch->finished)
		return ch->passed
		    ? 0
		    : mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "sso: check already failed");
	r = oidc_flow_poll(ch->client, ch->flow, now, &ch->id, err);
	if (r == MESH_ERR_AGAIN)
		return r;
	if (r == 0)
		r = oidc_identity_match(&ch->id, oidc_client_claim(ch->client), ch->owner, err);
	ch->finished = true;
	if (r == 0) {
		ch->passed = true;
		check_audit(ch, OIDC_AUDIT_PASSED, NULL, now);
		/* passed either way; a cache that cannot be written only asks again later */
		if (ch->cache_file)
			(void)checkcache_file_record(ch->cache_file, ch->owner, ch->node,
			    ch->host_user, now, ch->period_s, NULL);
		else if (ch->cache)
			(void)checkcache_add(
			    ch->cache, ch->owner, ch->node, ch->host_user, now, ch->period_s);
		return 0;
	}
	check_audit(ch, r == MESH_ERR_EXPIRED ? OIDC_AUDIT_TIMED_OUT : OIDC_AUDIT_FAILED,
	    err ? err->text : mesh_strerror(r), now);
	return r;
}
