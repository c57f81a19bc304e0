/*
 * oidc_probe: drives lib/oidc and lib/checkcache the way meshsshd does, for
 * the integration tests against a real identity provider.  It applies the
 * meshsshd.conf keywords, runs discovery or a whole device flow (start, then
 * poll_once per interval), matches the identity with the node owner, keeps
 * passed checks in a check cache file, and appends one audit event per line
 * (JSON) to a file, all through oidc_check_*, the API meshsshd calls.
 * Output lines are stable for the shell tests:
 *   the instructions (URL and code)        once the flow started
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
	bool discover_only;
};

static int64_t
probe_now(void)
{
	return (int64_t)time(NULL);
}

/* Audit sink: one JSON object per line, appended to the file. */
static void
audit_append(json_t *ev, void *ctx)
{
	const char *path = ctx;
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	json_dumpf(ev, f, JSON_COMPACT);
	fputc('\n', f);
	fclose(f);
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

static int
run_check(struct probe *p, struct oidc_client *c)
{
	struct oidc_check_request req = {
	    .owner = p->owner,
	    .node = PROBE_NODE,
	    .host_user = PROBE_HOST_USER,
	    .period_s = p->period_s,
	    .cache_file = p->cache_path,
	};
	const struct oidc_identity *id;
	struct oidc_check *ch = NULL;
	struct mesh_error err;
	bool cached = false;
	int r;

	mesh_error_clear(&err);
	r = oidc_check_begin(
	    c, NULL, &req, probe_now(), audit_append, (void *)p->audit_path, &ch, &cached, &err);
	if (r < 0) {
		printf("error: %s\n", err.text);
		return 1;
	}
	if (cached) {
		printf("cached\n");
		return 0;
	}
	fputs(oidc_check_instructions(ch), stdout);
	fflush(stdout);
	do {
		int64_t wait_s = oidc_check_next_poll(ch) - probe_now();

		if (wait_s > 0)
			sleep((unsigned)wait_s);
		r = oidc_check_step(ch, probe_now(), &err);
	} while (r == MESH_ERR_AGAIN);
	if (r == 0) {
		id = oidc_check_identity(ch);
		printf("ok identity=%s subject=%s\n", id->value, id->subject);
	} else {
		printf("error: %s\n", err.text);
	}
	oidc_check_free(ch);
	return r == 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: oidc_probe -i issuer -c client_id [-a ca.pem] [-s secret_file]\n"
	    "       [-m claim] [-t timeout] [-o owner] [-A audit.jsonl]\n"
	    "       [-C cache.json -P period_s] [-d]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct probe p = {.owner = "alice@example.com"};
	struct oidc_client *c = NULL;
	struct mesh_error err;
	int opt, rc = 1;

	struct mesh_log_opts lo = {
	    .ident = "oidc_probe", .level = MESH_LOG_INFO, .to_stderr = true};
	mesh_log_init(&lo);
	oidc_config_init(&p.cfg);
	mesh_error_clear(&err);
	while ((opt = getopt(argc, argv, "i:c:a:s:m:t:o:A:C:P:d")) != -1) {
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
		case 'd':
			p.discover_only = true;
			break;
		default:
			rc = usage();
			goto out;
		}
	}
	if (p.discover_only && oidc_config_test(&p.cfg, probe_now(), &err) < 0) {
		printf("error: %s\n", err.text);
		goto out;
	}
	if (oidc_client_new(&p.cfg, &c, &err) < 0) {
		printf("error: %s\n", err.text);
		goto out;
	}
	if (p.discover_only) {
		if (oidc_client_discover(c, probe_now(), &err) < 0) {
			printf("error: %s\n", err.text);
			goto out;
		}
		printf(
		    "discovery ok: token_endpoint=%s\n", oidc_client_discovery(c)->token_endpoint);
		rc = 0;
		goto out;
	}
	rc = run_check(&p, c);
out:
	oidc_client_free(c);
	oidc_config_clear(&p.cfg);
	return rc;
}
