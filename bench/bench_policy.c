/*
 * Policy evaluation per decision with 1,000 ssh rules and 10,000 nodes
 * (target: under 10 us).  The anchor, measured in the same run on the same
 * rules and requests, is a straightforward evaluator that matches selector
 * strings at decision time (what policy_decide would cost without compiling
 * selectors to indices); the ratio says what the compilation buys.  Times
 * are CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID).
 *
 *   bench/bench_policy [DECISIONS]
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

#define BENCH_RULES	    1000
#define BENCH_NODES	    10000
#define BENCH_USERS	    2000
#define BENCH_GROUPS	    200
#define BENCH_GROUP_MEMBERS 20
#define BENCH_TAGS	    300
#define BENCH_TAGGED_PCT    30
#define BENCH_CHECK_PCT	    30
#define BENCH_DECISIONS	    200000
#define BENCH_TARGET_NS	    10000.0
#define NS_PER_S	    1000000000.0
#define NAME_MAX_BYTES	    48

/* The rules in plain strings, for the anchor evaluator. */
struct naive_rule {
	bool check;
	char src[3][NAME_MAX_BYTES];
	int nsrc;
	char dst[2][NAME_MAX_BYTES];
	int ndst;
	char users[3][NAME_MAX_BYTES];
	int nusers;
};

struct bench {
	char logins[BENCH_USERS][NAME_MAX_BYTES];
	char tags[BENCH_TAGS][NAME_MAX_BYTES];
	char groups[BENCH_GROUPS][NAME_MAX_BYTES];
	int members[BENCH_GROUPS][BENCH_GROUP_MEMBERS];
	struct naive_rule rules[BENCH_RULES];
	int order[BENCH_RULES];
	struct netmap_node nodes[BENCH_NODES];
	char node_names[BENCH_NODES][NAME_MAX_BYTES];
	char *node_tags[BENCH_NODES][2];
	char *text;
	size_t len, cap;
};

static uint64_t bench_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*: deterministic, so every run measures the same work */
	bench_rng ^= bench_rng >> 12;
	bench_rng ^= bench_rng << 25;
	bench_rng ^= bench_rng >> 27;
	return (uint32_t)((bench_rng * 2685821657736338717ULL) >> 32) % n;
}

static void emit(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct bench *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n;
		if ((b->text = realloc(b->text, b->cap)) == NULL)
			abort();
	}
	b->len += (size_t)n;
}

static void
bench_build(struct bench *b)
{
	int i, j, k;

	for (i = 0; i < BENCH_USERS; i++)
		(void)snprintf(b->logins[i], NAME_MAX_BYTES, "user%d@example.com", i);
	for (i = 0; i < BENCH_TAGS; i++)
		(void)snprintf(b->tags[i], NAME_MAX_BYTES, "tag:t%d", i);
	emit(b, "{\"groups\": {");
	for (i = 0; i < BENCH_GROUPS; i++) {
		(void)snprintf(b->groups[i], NAME_MAX_BYTES, "group:g%d", i);
		emit(b, "%s\"%s\": [", i ? "," : "", b->groups[i]);
		for (j = 0; j < BENCH_GROUP_MEMBERS; j++) {
			b->members[i][j] = (int)rnd(BENCH_USERS);
			emit(b, "%s\"%s\"", j ? "," : "", b->logins[b->members[i][j]]);
		}
		emit(b, "]");
	}
	emit(b, "}, \"tagOwners\": {");
	for (i = 0; i < BENCH_TAGS; i++)
		emit(b, "%s\"%s\": []", i ? "," : "", b->tags[i]);
	emit(b, "}, \"ssh\": [");
	for (i = 0; i < BENCH_RULES; i++) {
		struct naive_rule *r = &b->rules[i];
		bool tagged_src = rnd(100) < BENCH_TAGGED_PCT;

		r->check = rnd(100) < BENCH_CHECK_PCT;
		r->nsrc = 1 + (int)rnd(3);
		for (k = 0; k < r->nsrc; k++)
			(void)snprintf(r->src[k], NAME_MAX_BYTES, "%s",
			    tagged_src	      ? b->tags[rnd(BENCH_TAGS)]
				: rnd(4) == 0 ? b->logins[rnd(BENCH_USERS)]
					      : b->groups[rnd(BENCH_GROUPS)]);
		r->ndst = 1 + (int)rnd(2);
		for (k = 0; k < r->ndst; k++)
			(void)snprintf(r->dst[k], NAME_MAX_BYTES, "%s",
			    !tagged_src && k == 0 && rnd(10) == 0 ? "autogroup:self"
								  : b->tags[rnd(BENCH_TAGS)]);
		r->nusers = 1 + (int)rnd(3);
		for (k = 0; k < r->nusers; k++)
			(void)snprintf(r->users[k], NAME_MAX_BYTES, "%s",
			    rnd(8) == 0 ? "autogroup:nonroot"
				: rnd(2)
				? "root"
				: (const char *[]){"ubuntu", "deploy", "admin", "app"}[rnd(4)]);
		emit(b, "%s{\"action\": \"%s\", \"src\": [", i ? "," : "",
		    r->check ? "check" : "accept");
		for (k = 0; k < r->nsrc; k++)
			emit(b, "%s\"%s\"", k ? "," : "", r->src[k]);
		emit(b, "], \"dst\": [");
		for (k = 0; k < r->ndst; k++)
			emit(b, "%s\"%s\"", k ? "," : "", r->dst[k]);
		emit(b, "], \"users\": [");
		for (k = 0; k < r->nusers; k++)
			emit(b, "%s\"%s\"", k ? "," : "", r->users[k]);
		emit(b, "]}");
	}
	emit(b, "]}");
	for (i = k = 0; i < 2; i++)
		for (j = 0; j < BENCH_RULES; j++)
			if (b->rules[j].check == (i == 0))
				b->order[k++] = j;
	for (i = 0; i < BENCH_NODES; i++) {
		struct netmap_node *n = &b->nodes[i];

		(void)snprintf(b->node_names[i], NAME_MAX_BYTES, "node%d", i);
		n->name = b->node_names[i];
		if (rnd(100) < BENCH_TAGGED_PCT) {
			n->ntags = 1 + rnd(2);
			for (k = 0; k < (int)n->ntags; k++)
				b->node_tags[i][k] = b->tags[rnd(BENCH_TAGS)];
			n->tags = b->node_tags[i];
		} else {
			n->owner = b->logins[rnd(BENCH_USERS)];
		}
	}
}

/* --- the anchor: selectors matched as strings at decision time ---------- */

static bool
naive_in_group(const struct bench *b, const char *group, const char *login)
{
	int g, m;

	for (g = 0; g < BENCH_GROUPS; g++) {
		if (strcmp(b->groups[g], group) != 0)
			continue;
		for (m = 0; m < BENCH_GROUP_MEMBERS; m++)
			if (strcmp(b->logins[b->members[g][m]], login) == 0)
				return true;
		return false;
	}
	return false;
}

static bool
naive_has_tag(const struct netmap_node *n, const char *tag)
{
	size_t i;

	for (i = 0; i < n->ntags; i++)
		if (strcmp(n->tags[i], tag) == 0)
			return true;
	return false;
}

static bool
naive_sel(const struct bench *b, const char *sel, const struct netmap_node *n,
    const struct netmap_node *src)
{
	if (strncmp(sel, "tag:", 4) == 0)
		return naive_has_tag(n, sel);
	if (n->ntags || n->owner == NULL)
		return false;
	if (strcmp(sel, "autogroup:self") == 0)
		return src && src->ntags == 0 && src->owner && strcmp(src->owner, n->owner) == 0;
	if (strncmp(sel, "group:", 6) == 0)
		return naive_in_group(b, sel, n->owner);
	return strcmp(sel, n->owner) == 0;
}

static enum policy_action
naive_decide(const struct bench *b, const struct netmap_node *s, const struct netmap_node *d,
    const char *user)
{
	int i, k, m;

	for (i = 0; i < BENCH_RULES; i++) {
		const struct naive_rule *r = &b->rules[b->order[i]];
		bool ok = false;

		for (k = 0; k < r->nsrc && !ok; k++)
			ok = naive_sel(b, r->src[k], s, NULL);
		if (!ok)
			continue;
		for (k = 0, ok = false; k < r->ndst && !ok; k++)
			ok = naive_sel(b, r->dst[k], d, s);
		if (!ok)
			continue;
		for (m = 0; m < r->nusers; m++)
			if (strcmp(r->users[m], user) == 0 ||
			    (strcmp(r->users[m], "autogroup:nonroot") == 0 &&
				strcmp(user, "root") != 0))
				return r->check ? POLICY_CHECK : POLICY_ACCEPT;
	}
	return POLICY_REJECT;
}

static double
now_s(void)
{
	struct timespec ts;

	/* CPU time of this thread: other jobs on a busy machine do not count */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

int
main(int argc, char **argv)
{
	static const char *const users[] = {"root", "ubuntu", "deploy", "nobody"};
	long ndec = argc > 1 ? strtol(argv[1], NULL, 10) : BENCH_DECISIONS;
	struct bench *b = calloc(1, sizeof(*b));
	struct mesh_error err = {0};
	struct policy_decision d;
	struct policy *p = NULL;
	uint32_t *req;
	double t0, t_parse, t_fast, t_worst, t_naive;
	long i, granted = 0, granted_naive = 0, mismatch = 0;
	int rc = 0;

	if (b == NULL || ndec <= 0 || (req = calloc((size_t)ndec * 3, sizeof(*req))) == NULL)
		return 2;
	b->cap = 1 << 20;
	if ((b->text = malloc(b->cap)) == NULL)
		return 2;
	bench_build(b);
	t0 = now_s();
	if (policy_parse(b->text, b->len, &p, &err) != 0) {
		fprintf(stderr, "bench_policy: %u:%u: %s\n", err.line, err.col, err.text);
		return 2;
	}
	t_parse = now_s() - t0;
	for (i = 0; i < ndec; i++) {
		req[3 * i] = rnd(BENCH_NODES);
		req[3 * i + 1] = rnd(BENCH_NODES);
		req[3 * i + 2] = rnd(4);
	}

	t0 = now_s();
	for (i = 0; i < ndec; i++) {
		policy_decide(p, NULL, &b->nodes[req[3 * i]], &b->nodes[req[3 * i + 1]],
		    users[req[3 * i + 2]], &d);
		granted += d.action != POLICY_REJECT;
	}
	t_fast = (now_s() - t0) / (double)ndec;

	/* worst case: nothing matches, so every rule is looked at */
	t0 = now_s();
	for (i = 0; i < ndec; i++)
		policy_decide(
		    p, NULL, &b->nodes[req[3 * i]], &b->nodes[req[3 * i + 1]], "nobody", &d);
	t_worst = (now_s() - t0) / (double)ndec;

	t0 = now_s();
	for (i = 0; i < ndec; i++)
		granted_naive += naive_decide(b, &b->nodes[req[3 * i]], &b->nodes[req[3 * i + 1]],
				     users[req[3 * i + 2]]) != POLICY_REJECT;
	t_naive = (now_s() - t0) / (double)ndec;

	/* the anchor must agree, or the comparison means nothing */
	for (i = 0; i < ndec && i < 20000; i++) {
		const struct netmap_node *s = &b->nodes[req[3 * i]], *t = &b->nodes[req[3 * i + 1]];

		policy_decide(p, NULL, s, t, users[req[3 * i + 2]], &d);
		mismatch += d.action != naive_decide(b, s, t, users[req[3 * i + 2]]);
	}

	printf(
	    "bench_policy: %d ssh rules, %d nodes, %d users, %d groups, %d tags; parse %.1f ms\n",
	    BENCH_RULES, BENCH_NODES, BENCH_USERS, BENCH_GROUPS, BENCH_TAGS, t_parse * 1e3);
	printf("policy_decide, random requests:   %8.3f us/decision (%ld decisions, %.1f%% "
	       "granted)\n",
	    t_fast * 1e6, ndec, 100.0 * (double)granted / (double)ndec);
	printf("policy_decide, no rule matches:   %8.3f us/decision\n", t_worst * 1e6);
	printf("anchor (string matching):         %8.3f us/decision\n", t_naive * 1e6);
	printf("ratio policy_decide / anchor:     %8.3f (%.1fx faster)\n", t_fast / t_naive,
	    t_naive / t_fast);
	printf("decisions that differ from anchor: %ld of %ld (grants %ld vs %ld)\n", mismatch, i,
	    granted, granted_naive);
	printf("target < 10 us/decision (worst case): %s\n",
	    t_worst * NS_PER_S < BENCH_TARGET_NS ? "met" : "MISSED");
	if (mismatch || granted != granted_naive || t_worst * NS_PER_S >= BENCH_TARGET_NS)
		rc = 1;
	policy_free(p);
	free(req);
	free(b->text);
	free(b);
	return rc;
}
