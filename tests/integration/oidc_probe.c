/*
 * oidc_probe: drives lib/oidc and lib/checkcache the way meshsshd does, for
 * the integration tests against a real identity provider.  It applies the
 * meshsshd.conf keywords, runs discovery or a whole device flow (start, then
 * poll_once per interval), matches the identity with the node owner, keeps
 * passed checks in a check cache file, and appends one audit event per line
 * (JSON) to a file.  Output lines are stable for the shell tests:
 *   user_code=... / verification_uri=...   once the flow started
 *   ok identity=... subject=...            exit 0
 *   cached                                 exit 0, no IdP contact
 *   error: MESSAGE                         exit 1 (2 for usage)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkcache.h"
#include "log.h"
#include "oidc.h"

#define PROBE_NODE	"laptop-1"
#define PROBE_HOST_USER "alice"

struct probe {
	struct oidc_config cfg;
	const char *owner;
	const char *audit_path;
	const char *cache_path;
	int64_t period_s;
	int64_t clock_offset_s;
	bool discover_only;
};

/* The flow and the token checks use the real clock ... */
static int64_t
probe_now(const struct probe *p)
{
	(void)p;
	return (int64_t)time(NULL);
}

/* ... the check cache a shifted one, so a test can step past checkPeriod. */
static int64_t
cache_now(const struct probe *p)
{
	return (int64_t)time(NULL) + p->clock_offset_s;
}

static void
audit(const struct probe *p, enum oidc_audit_kind kind, const char *subject, const char *reason)
{
	struct oidc_audit_info info = {
	    .owner = p->owner,
	    .node = PROBE_NODE,
	    .host_user = PROBE_HOST_USER,
	    .issuer = p->cfg.issuer,
	    .subject = subject,
	    .reason = reason,
	    .time = probe_now(p),
	};
	json_t *ev = oidc_audit_event(kind, &info);
	FILE *f;

	if (ev == NULL || p->audit_path == NULL || (f = fopen(p->audit_path, "a")) == NULL) {
		json_decref(ev);
		return;
	}
	json_dumpf(ev, f, JSON_COMPACT);
	fputc('\n', f);
	fclose(f);
	json_decref(ev);
}

static int
keyword(struct probe *p, const char *k, const char *arg)
{
	struct conf_line l = {.keyword = k, .nargs = 1, .line = 0};
	struct mesh_error err;

	l.args[0] = arg;
	mesh_error_clear(&err);
	if (oidc_config_keyword(&p->cfg, &l, &err) < 0) {
		printf("error: %s\n", err.text);
		return -1;
	}
	return 0;
}

static void
sleep_until(const struct probe *p, int64_t when)
{
	int64_t now = probe_now(p);

	if (when > now)
		sleep((unsigned)(when - now));
}

static int
run_flow(struct probe *p, struct oidc_client *c, struct checkcache *cache)
{
	const struct oidc_flow_info *info;
	char text[OIDC_INSTRUCTIONS_MAX];
	struct oidc_identity id = {0};
	struct oidc_flow *f = NULL;
	struct mesh_error err;
	int r;

	mesh_error_clear(&err);
	audit(p, OIDC_AUDIT_STARTED, NULL, NULL);
	if ((r = oidc_flow_start(c, probe_now(p), &f, &err)) < 0) {
		audit(p, OIDC_AUDIT_FAILED, NULL, err.text);
		printf("error: %s\n", err.text);
		return 1;
	}
	info = oidc_flow_info(f);
	printf("user_code=%s\nverification_uri=%s\n", info->user_code, info->verification_uri);
	if (oidc_flow_instructions(info, probe_now(p), text, sizeof(text)) == 0)
		fputs(text, stdout);
	fflush(stdout);
	for (;;) {
		sleep_until(p, oidc_flow_next_poll(f));
		r = oidc_flow_poll(c, f, probe_now(p), &id, &err);
		if (r != MESH_ERR_AGAIN)
			break;
	}
	if (r == 0)
		r = oidc_identity_match(&id, p->cfg.claim, p->owner, &err);
	if (r == 0) {
		audit(p, OIDC_AUDIT_PASSED, id.subject, NULL);
		printf("ok identity=%s subject=%s\n", id.value, id.subject);
		if (cache)
			checkcache_add(cache, p->owner, PROBE_NODE, PROBE_HOST_USER, cache_now(p),
			    p->period_s);
	} else {
		audit(p, r == MESH_ERR_EXPIRED ? OIDC_AUDIT_TIMED_OUT : OIDC_AUDIT_FAILED,
		    id.subject, err.text);
		printf("error: %s\n", err.text);
	}
	oidc_identity_clear(&id);
	oidc_flow_free(f);
	return r == 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: oidc_probe -i issuer -c client_id [-a ca.pem] [-s secret_file]\n"
	    "       [-m claim] [-t timeout] [-o owner] [-A audit.jsonl]\n"
	    "       [-C cache.json -P period_s] [-T clock_offset_s] [-d]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct probe p = {.owner = "alice@example.com"};
	struct oidc_client *c = NULL;
	struct checkcache *cache = NULL;
	struct mesh_error err;
	int opt, rc = 1;

	struct mesh_log_opts lo = {
	    .ident = "oidc_probe", .level = MESH_LOG_INFO, .to_stderr = true};
	mesh_log_init(&lo);
	oidc_config_init(&p.cfg);
	mesh_error_clear(&err);
	while ((opt = getopt(argc, argv, "i:c:a:s:m:t:o:A:C:P:T:d")) != -1) {
		static const char *const kw[] = {['i'] = "OIDCIssuer",
		    ['c'] = "OIDCClientID",
		    ['a'] = "OIDCCABundle",
		    ['s'] = "OIDCClientSecretFile",
		    ['m'] = "OIDCClaim",
		    ['t'] = "OIDCTimeout"};

		switch (opt) {
		case 'i':
		case 'c':
		case 'a':
		case 's':
		case 'm':
		case 't':
			if (keyword(&p, kw[opt], optarg) < 0)
				goto out;
			break;
		case 'o':
			p.owner = optarg;
			break;
		case 'A':
			p.audit_path = optarg;
			break;
		case 'C':
			p.cache_path = optarg;
			break;
		case 'P':
			p.period_s = strtoll(optarg, NULL, 10);
			break;
		case 'T':
			p.clock_offset_s = strtoll(optarg, NULL, 10);
			break;
		case 'd':
			p.discover_only = true;
			break;
		default:
			rc = usage();
			goto out;
		}
	}
	if (p.cache_path) {
		if ((cache = checkcache_new()) == NULL ||
		    checkcache_load(cache, p.cache_path, cache_now(&p), &err) < 0) {
			printf("error: check cache: %s\n", err.text);
			goto out;
		}
		if (checkcache_valid(
			cache, p.owner, PROBE_NODE, PROBE_HOST_USER, cache_now(&p), p.period_s)) {
			printf("cached\n");
			rc = 0;
			goto out;
		}
	}
	if (oidc_client_new(&p.cfg, &c, &err) < 0) {
		printf("error: %s\n", err.text);
		goto out;
	}
	if (p.discover_only) {
		if (oidc_client_discover(c, probe_now(&p), &err) < 0) {
			printf("error: %s\n", err.text);
			goto out;
		}
		printf(
		    "discovery ok: token_endpoint=%s\n", oidc_client_discovery(c)->token_endpoint);
		rc = 0;
		goto out;
	}
	rc = run_flow(&p, c, cache);
	if (rc == 0 && cache && checkcache_save(cache, p.cache_path, cache_now(&p), &err) < 0) {
		printf("error: check cache: %s\n", err.text);
		rc = 1;
	}
out:
	checkcache_free(cache);
	oidc_client_free(c);
	oidc_config_clear(&p.cfg);
	return rc;
}
