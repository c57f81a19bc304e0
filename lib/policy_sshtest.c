/*
 * sshTests: assertions that travel with the policy.  Each entry names one
 * src and some dst, and lists host users that must be accepted (by an accept
 * or a check rule), must need a check, or must be denied.  Every assertion is
 * decided with policy_decide() itself, so the tests exercise exactly what
 * meshsshd enforces.  A login stands for any node it owns (all such nodes
 * decide alike); tags and host names resolve through the netmap when given.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define LINE_MAX_BYTES 512
#define SELF_NODE_NAME "(own node)"
#define ADDR_TEXT_MAX  (INET6_ADDRSTRLEN + 8)

enum pol_expect {
	EXPECT_ACCEPT,
	EXPECT_CHECK,
	EXPECT_DENY,
};

static const char *const pol_expect_name[] = {"accept", "check", "deny"};

/* Nodes a name stands for: pointers into the netmap, or one stand-in. */
struct pol_nodes {
	const struct netmap_node **v;
	size_t n;
	struct policy_scratch_node scratch;
};

static void
pol_scratch(struct policy_scratch_node *sc, const char *name, const char *owner, const char *tag)
{
	memset(sc, 0, sizeof(*sc));
	/* the stand-in only borrows strings the policy owns; nothing writes them */
	sc->node.name = (char *)name;
	sc->node.owner = (char *)owner;
	if (tag) {
		sc->tags[0] = (char *)tag;
		sc->node.tags = sc->tags;
		sc->node.ntags = 1;
	}
}

static bool
pol_node_has_addr(const struct netmap_node *n, const char *text)
{
	char buf[ADDR_TEXT_MAX], *slash;
	unsigned char bin[16];
	int af;
	size_t i;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return false;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, bin) != 1)
		return false;
	for (i = 0; i < n->naddrs; i++)
		if (n->addrs[i].family == af &&
		    memcmp(n->addrs[i].bytes, bin, af == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static int
pol_nodes_add(struct pol_nodes *ns, const struct netmap_node *n)
{
	const struct netmap_node **v;

	if ((v = realloc(ns->v, (ns->n + 1) * sizeof(*v))) == NULL)
		return MESH_ERR_NOMEM;
	ns->v = v;
	ns->v[ns->n++] = n;
	return 0;
}

static bool
pol_node_has_tag(const struct netmap_node *n, const char *tag)
{
	size_t i;

	for (i = 0; i < n->ntags; i++)
		if (n->tags[i] && strcmp(n->tags[i], tag) == 0)
			return true;
	return false;
}

/* Every node name stands for; at least one on success. */
static int
pol_resolve(const struct policy *p, const struct netmap *nm, const char *name,
    const char *src_login, struct pol_nodes *ns, struct mesh_error *err)
{
	const char *addr = name;
	size_t i;
	bool single;
	int r;

	switch (pol_classify(name)) {
	case SEL_LOGIN:
		pol_scratch(&ns->scratch, name, name, NULL);
		return pol_nodes_add(ns, &ns->scratch.node);
	case SEL_SELF:
		if (src_login == NULL)
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "autogroup:self needs a login as src");
		pol_scratch(&ns->scratch, SELF_NODE_NAME, src_login, NULL);
		return pol_nodes_add(ns, &ns->scratch.node);
	case SEL_TAG:
		for (i = 0; nm && i < nm->nnodes; i++)
			if (pol_node_has_tag(&nm->nodes[i], name) &&
			    (r = pol_nodes_add(ns, &nm->nodes[i])) != 0)
				return r;
		if (ns->n > 0)
			return 0;
		pol_scratch(&ns->scratch, name, NULL, name);
		return pol_nodes_add(ns, &ns->scratch.node);
	case SEL_OTHER:
		break;
	default:
		return mesh_error_set(
		    err, MESH_ERR_UNSUPPORTED, 0, 0, "unsupported selector \"%s\"", name);
	}
	for (i = 0; i < p->nhosts; i++)
		if (strcmp(p->hosts[i].name, name) == 0) {
			addr = p->hosts[i].addr;
			break;
		}
	if (nm == NULL)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
		    "\"%s\" names a host: give a netmap to resolve it", name);
	for (i = 0; i < nm->nnodes; i++) {
		const struct netmap_node *n = &nm->nodes[i];

		if ((n->name && strcmp(n->name, name) == 0) ||
		    (pol_parse_addr(addr, &single) && single && pol_node_has_addr(n, addr)))
			return pol_nodes_add(ns, n);
	}
	return mesh_error_set(
	    err, MESH_ERR_NOTFOUND, 0, 0, "no node in the netmap is \"%s\"", name);
}

int
policy_resolve_node(const struct policy *p, const struct netmap *nm, const char *name,
    const char *src_login, struct policy_scratch_node *scratch, const struct netmap_node **node,
    struct mesh_error *err)
{
	struct pol_nodes ns = {0};
	int r;

	if (p == NULL || name == NULL || scratch == NULL || node == NULL)
		return MESH_ERR_INVALID;
	if ((r = pol_resolve(p, nm, name, src_login, &ns, err)) == 0) {
		*node = ns.v[0];
		if (*node == &ns.scratch.node) {
			*scratch = ns.scratch;
			if (scratch->node.ntags)
				scratch->node.tags = scratch->tags;
			*node = &scratch->node;
		}
	}
	free(ns.v);
	return r;
}

struct pol_run {
	const struct policy *p;
	const struct netmap *nm;
	policy_report_fn report;
	void *ctx;
	unsigned passed, failed;
};

static void pol_report(struct pol_run *run, const struct pol_sshtest *t, const struct pol_pos *at,
    size_t ti, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One failure line, at the assertion's user when known, else at the test. */
static void
pol_report(struct pol_run *run, const struct pol_sshtest *t, const struct pol_pos *at, size_t ti,
    const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;
	int n;

	run->failed++;
	if (run->report == NULL)
		return;
	n = snprintf(line, sizeof(line), "%u:%u: sshTests[%zu]: ", at ? at->line : t->line,
	    at ? at->col : t->col, ti);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	/* a truncated line still names the test and the assertion */
	(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	run->report(run->ctx, line);
}

static const char *
pol_got(const struct policy_decision *d)
{
	return d->action == POLICY_ACCEPT ? "accept" : d->action == POLICY_CHECK ? "check" : "deny";
}

static bool
pol_expect_met(enum pol_expect e, const struct policy_decision *d)
{
	switch (e) {
	case EXPECT_ACCEPT:
		return d->action != POLICY_REJECT;
	case EXPECT_CHECK:
		return d->action == POLICY_CHECK;
	default:
		return d->action == POLICY_REJECT;
	}
}

/* One user against one dst name: every src node to every dst node must agree. */
static int
pol_assert(struct pol_run *run, const struct pol_sshtest *t, size_t ti, const struct pol_nodes *src,
    const struct pol_nodes *dst, const char *dst_name, enum pol_expect e, size_t u)
{
	const char *user = t->users[e][u];
	struct policy_decision d;
	size_t i, j;
	int r;

	for (i = 0; i < src->n; i++)
		for (j = 0; j < dst->n; j++) {
			if ((r = policy_decide(run->p, run->nm, src->v[i], dst->v[j], user, &d)) !=
			    0)
				return r;
			if (pol_expect_met(e, &d))
				continue;
			pol_report(run, t, &t->pos[e][u], ti,
			    "%s -> %s as \"%s\": expected %s, got %s: %s", t->src, dst_name, user,
			    pol_expect_name[e], pol_got(&d), d.reason);
			return 0;
		}
	run->passed++;
	return 0;
}

static int
pol_run_test(struct pol_run *run, const struct pol_sshtest *t, size_t ti)
{
	struct pol_nodes src = {0}, dst = {0};
	struct mesh_error err = {0};
	const char *src_login = pol_classify(t->src) == SEL_LOGIN ? t->src : NULL;
	size_t k, u, di;
	int r = 0;

	if ((r = pol_resolve(run->p, run->nm, t->src, NULL, &src, &err)) != 0) {
		if (r == MESH_ERR_NOMEM)
			goto out;
		pol_report(run, t, NULL, ti, "src %s: %s", t->src, err.text);
		r = 0;
		goto out;
	}
	if (src_login == NULL && src.n == 1 && src.v[0]->ntags == 0)
		src_login = src.v[0]->owner ? src.v[0]->owner
		    : src.v[0]->user	    ? src.v[0]->user->login
					    : NULL;
	for (di = 0; di < t->ndst; di++) {
		free(dst.v);
		memset(&dst, 0, sizeof(dst));
		if ((r = pol_resolve(run->p, run->nm, t->dst[di], src_login, &dst, &err)) != 0) {
			if (r == MESH_ERR_NOMEM)
				goto out;
			pol_report(run, t, &t->dst_pos[di], ti, "dst %s: %s", t->dst[di], err.text);
			r = 0;
			continue;
		}
		for (k = EXPECT_ACCEPT; k <= EXPECT_DENY; k++)
			for (u = 0; u < t->nusers[k]; u++)
				if ((r = pol_assert(run, t, ti, &src, &dst, t->dst[di],
					 (enum pol_expect)k, u)) != 0)
					goto out;
	}
out:
	free(src.v);
	free(dst.v);
	return r;
}

int
policy_run_tests(const struct policy *p, const struct netmap *nm, policy_report_fn report,
    void *ctx, unsigned *passed, unsigned *failed)
{
	struct pol_run run = {p, nm, report, ctx, 0, 0};
	size_t i;
	int r;

	if (p == NULL)
		return MESH_ERR_INVALID;
	for (i = 0; i < p->ntests; i++)
		if ((r = pol_run_test(&run, &p->tests[i], i)) != 0)
			return r;
	if (passed)
		*passed = run.passed;
	if (failed)
		*failed = run.failed;
	return run.failed ? 1 : 0;
}
