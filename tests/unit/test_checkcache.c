/*
 * The check cache: a passed check is honoured within checkPeriod and asked
 * again after it, per (owner, node, host user); policy changes shorten it at
 * once; a clock going back does not stretch it; persistence round-trips and
 * refuses unsafe files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkcache.h"
#include "oidc.h"
#include "tap.h"

#define T0   1800000000LL
#define HOUR 3600

static void
test_memory(void)
{
	struct checkcache *c = checkcache_new();

	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0, 12 * HOUR), "empty cache: ask");
	is_int(checkcache_add(c, "alice@x", "laptop", "alice", T0, 12 * HOUR), 0, "add a check");
	ok(checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 1, 12 * HOUR),
	    "cached right after the check");
	ok(checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 12 * HOUR - 1, 12 * HOUR),
	    "cached until just before checkPeriod ends");
	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 12 * HOUR, 12 * HOUR),
	    "asked again when checkPeriod has passed");
	ok(!checkcache_valid(c, "alice@x", "laptop", "root", T0 + 1, 12 * HOUR),
	    "another host user is not covered");
	ok(!checkcache_valid(c, "alice@x", "phone", "alice", T0 + 1, 12 * HOUR),
	    "another node is not covered");
	ok(!checkcache_valid(c, "bob@x", "laptop", "alice", T0 + 1, 12 * HOUR),
	    "another owner is not covered");
	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0 + HOUR + 1, HOUR),
	    "policy shortened to 1h takes effect at once");
	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 13 * HOUR, 24 * HOUR),
	    "policy lengthened does not stretch a stored check");
	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0 - 10, 12 * HOUR),
	    "clock before the check: not honoured");
	ok(!checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 1, 0),
	    "checkPeriod 0 (always) never uses the cache");

	is_int(checkcache_add(c, "alice@x", "laptop", "alice", T0 + 11 * HOUR, 12 * HOUR), 0,
	    "re-check replaces the entry");
	is_int(checkcache_count(c), 1, "still one entry");
	ok(checkcache_valid(c, "alice@x", "laptop", "alice", T0 + 20 * HOUR, 12 * HOUR),
	    "re-check extends from the new time");
	is_int(checkcache_add(c, "bob@x", "desk", "bob", T0, 0), 0, "period 0 stores nothing");
	is_int(checkcache_count(c), 1, "nothing stored for period 0");
	is_int(checkcache_add(c, "", "desk", "bob", T0, HOUR), MESH_ERR_INVALID,
	    "empty owner refused");
	is_int(checkcache_add(c, "bob@x", "desk", "bob", T0, HOUR), 0, "add bob");
	is_int(checkcache_forget(c, "bob@x", "desk", "bob"), 0, "forget bob");
	is_int(checkcache_forget(c, "bob@x", "desk", "bob"), MESH_ERR_NOTFOUND, "forget twice");
	is_int(checkcache_add(c, "carol@x", "desk", "carol", T0, HOUR), 0, "add carol");
	is_int(checkcache_expire(c, T0 + 2 * HOUR), 1, "expire drops carol only");
	is_int(checkcache_count(c), 1, "alice stays");
	checkcache_free(c);
	checkcache_free(NULL);
}

static void
test_persist(void)
{
	char dir[] = "/tmp/test_checkcache.XXXXXX", path[256], *text = NULL;
	struct checkcache *c = checkcache_new(), *d = checkcache_new(), *e = checkcache_new();
	struct mesh_error err;
	struct stat st;
	FILE *f;

	if (!ok(mkdtemp(dir) != NULL, "temp dir"))
		return;
	snprintf(path, sizeof(path), "%s/checks.json", dir);
	is_int(checkcache_load(c, path, T0, &err), 0, "missing file is an empty cache");
	is_int(checkcache_count(c), 0, "nothing loaded");
	checkcache_add(c, "alice@x", "laptop", "alice", T0, 12 * HOUR);
	checkcache_add(c, "bob@x", "desk", "bob", T0 - 2 * HOUR, HOUR); /* already expired */
	is_int(checkcache_save(c, path, T0, &err), 0, "save");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "saved with mode 0600");
	is_int(checkcache_load(d, path, T0 + 60, &err), 0, "load");
	is_int(checkcache_count(d), 1, "expired entry not persisted");
	ok(checkcache_valid(d, "alice@x", "laptop", "alice", T0 + 60, 12 * HOUR),
	    "loaded check honoured");
	is_int(checkcache_load(e, path, T0 + 13 * HOUR, &err), 0, "load after expiry");
	is_int(checkcache_count(e), 0, "entries past their period dropped on load");

	chmod(path, 0644);
	is_int(checkcache_load(e, path, T0, &err), MESH_ERR_PERM, "world-readable file refused");
	chmod(path, 0600);

	is_int(checkcache_serialize(c, T0, &text, &err), 0, "serialize");
	ok(text && strstr(text, "\"version\":1"), "versioned format");
	free(text);
	f = fopen(path, "w");
	fputs("{\"version\":1,\"entries\":[{\"owner\":\"a\",\"node\":\"n\",\"user\":\"u\","
	      "\"checked\":10,\"until\":5}]}",
	    f);
	fclose(f);
	is_int(checkcache_load(e, path, T0, &err), MESH_ERR_PARSE,
	    "entry ending before start refused");
	f = fopen(path, "w");
	fputs("{\"version\":1,\"entries\":[{\"owner\":\"a\",\"node\":\"n\",\"user\":\"u\","
	      "\"checked\":1800000000,\"until\":1900000000}]}",
	    f);
	fclose(f);
	is_int(checkcache_load(e, path, T0, &err), MESH_ERR_PARSE,
	    "period beyond the maximum refused");
	is_int(checkcache_parse(e, (const uint8_t *)"{}", 2, T0, &err), MESH_ERR_PARSE,
	    "unknown format refused");
	unlink(path);
	rmdir(dir);
	checkcache_free(c);
	checkcache_free(d);
	checkcache_free(e);
}

/* Two processes recording at once (as two connections would) lose nothing. */
static void
test_file_concurrent(void)
{
	enum { PER_PROC = 40 };
	char dir[] = "/tmp/test_checkcache_mp.XXXXXX", path[256], lock[300], node[32];
	pid_t kids[2];
	int status, bad = 0, missing = 0;

	if (!ok(mkdtemp(dir) != NULL, "temp dir"))
		return;
	snprintf(path, sizeof(path), "%s/checks.json", dir);
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			for (int i = 0; i < PER_PROC; i++) {
				snprintf(node, sizeof(node), "node-%d-%d", k, i);
				if (checkcache_file_record(
					path, "alice@x", node, "alice", T0, HOUR, NULL) < 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++)
		if (waitpid(kids[k], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	is_int(bad, 0, "both writers finished");
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < PER_PROC; i++) {
			snprintf(node, sizeof(node), "node-%d-%d", k, i);
			if (!checkcache_file_valid(path, "alice@x", node, "alice", T0 + 1, HOUR))
				missing++;
		}
	}
	is_int(missing, 0, "no check lost between concurrent connections");
	ok(!checkcache_file_valid(path, "alice@x", "node-0-0", "alice", T0 + HOUR, HOUR),
	    "file entries expire with checkPeriod");
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
	unlink(path);
	rmdir(dir);
}

static void
count_events(json_t *ev, void *ctx)
{
	(void)ev;
	(*(int *)ctx)++;
}

/* oidc_check_begin consults the cache before any network traffic. */
static void
test_check_uses_cache(void)
{
	struct oidc_config cfg;
	struct oidc_client *c = NULL;
	struct checkcache *cache = checkcache_new();
	struct oidc_check_request req = {
	    .owner = "alice@x", .node = "laptop", .host_user = "alice", .period_s = HOUR};
	struct oidc_check *ch = NULL;
	struct mesh_error err;
	bool cached = false;
	int events = 0;

	oidc_config_init(&cfg);
	/* an issuer nobody listens on: any request would fail */
	cfg.issuer = strdup("https://127.0.0.1:9");
	cfg.client_id = strdup("meshsshd");
	is_int(oidc_client_new(&cfg, &c, &err), 0, "client without network");
	checkcache_add(cache, "alice@x", "laptop", "alice", T0, HOUR);
	is_int(oidc_check_begin(c, cache, &req, T0 + 60, count_events, &events, &ch, &cached, &err),
	    0, "check within checkPeriod");
	ok(cached && ch == NULL, "answered from the cache, no flow");
	is_int(events, 0, "no audit event for a cached check");
	req.node = NULL;
	is_int(oidc_check_begin(c, cache, &req, T0 + 60, count_events, &events, &ch, &cached, &err),
	    MESH_ERR_INVALID, "incomplete request refused");
	oidc_check_free(NULL);
	oidc_client_free(c);
	oidc_config_clear(&cfg);
	checkcache_free(cache);
}

int
main(void)
{
	test_memory();
	test_persist();
	test_file_concurrent();
	test_check_uses_cache();
	return tap_done();
}
