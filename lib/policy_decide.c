/*
 * The decision: (policy, source node, destination node, host user) ->
 * accept | check(period) | reject, with the deciding rule and a reason.
 *
 * Pure: no I/O, no clock, no allocation.  Each name is looked up once in the
 * interned tables; each rule is then a handful of integer comparisons.
 * Semantics follow Tailscale: a node with tags is a tagged node and has no
 * user identity; autogroup:self is a destination owned by the same login as
 * the source; autogroup:nonroot is any host user but root; root only when
 * named; localpart:*@domain is the local part of the source's login when
 * that login is in the domain.  Check rules are tried before accept rules.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy_int.h"

#define ROOT_USER "root"
#define S_PER_H	  3600
#define S_PER_M	  60

struct pol_ident {
	const struct netmap_node *node;
	bool tagged;
	const char *login; /* owner of an untagged node; NULL if none */
	long login_idx;	   /* into p->logins, -1 if the policy never names it */
	uint32_t tags[POLICY_NODE_TAGS_MAX];
	size_t ntags; /* tags the policy knows */
};

enum pol_via {
	VIA_NONE = 0,
	VIA_LITERAL,
	VIA_LOCALPART,
	VIA_NONROOT,
};

static int
pol_ident(const struct policy *p, const struct netmap_node *n, struct pol_ident *id)
{
	size_t i;
	long t;

	id->node = n;
	id->ntags = 0;
	id->login = NULL;
	id->login_idx = -1;
	id->tagged = n->ntags > 0;
	if (n->ntags > POLICY_NODE_TAGS_MAX)
		return MESH_ERR_RANGE;
	for (i = 0; i < n->ntags; i++)
		if (n->tags[i] && (t = pol_strtab_find(&p->tags, n->tags[i])) >= 0)
			id->tags[id->ntags++] = (uint32_t)t;
	if (id->tagged)
		return 0;
	id->login = n->owner ? n->owner : n->user ? n->user->login : NULL;
	if (id->login)
		id->login_idx = pol_strtab_find(&p->logins, id->login);
	return 0;
}

static bool
pol_idx_has(const struct pol_idx *x, long v)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (x->v[i] == (uint32_t)v)
			return true;
	return false;
}

static bool
pol_tags_meet(const struct pol_idx *want, const struct pol_ident *id)
{
	size_t i;

	for (i = 0; i < id->ntags; i++)
		if (pol_idx_has(want, id->tags[i]))
			return true;
	return false;
}

static bool
pol_src_match(const struct policy *p, const struct pol_rule *r, const struct pol_ident *s)
{
	const uint64_t *bits;
	size_t i;
	uint32_t g;

	if (s->tagged)
		return r->src_tagged || pol_tags_meet(&r->src_tags, s);
	if (s->login == NULL)
		return false;
	if (r->src_member)
		return true;
	if (s->login_idx < 0)
		return false;
	if (pol_idx_has(&r->src_logins, s->login_idx))
		return true;
	if (r->src_groups.n == 0)
		return false;
	bits = &p->login_groups[(size_t)s->login_idx * p->group_words];
	for (i = 0; i < r->src_groups.n; i++) {
		g = r->src_groups.v[i];
		if (bits[g / 64] & (1ULL << (g % 64)))
			return true;
	}
	return false;
}

static bool
pol_dst_match(const struct pol_rule *r, const struct pol_ident *s, const struct pol_ident *d)
{
	if (d->tagged)
		return r->dst_tagged || pol_tags_meet(&r->dst_tags, d);
	if (d->login == NULL)
		return false;
	if (r->dst_member)
		return true;
	if (r->dst_self && !s->tagged && s->login && strcmp(s->login, d->login) == 0)
		return true;
	return d->login_idx >= 0 && pol_idx_has(&r->dst_logins, d->login_idx);
}

static enum pol_via
pol_users_match(const struct pol_rule *r, const struct pol_ident *s, const char *user,
    long user_idx, const char **domain)
{
	const char *at;
	size_t i, lp;

	if (user_idx >= 0 && pol_idx_has(&r->users_literal, user_idx))
		return VIA_LITERAL;
	if (r->nlocalpart && !s->tagged && s->login && (at = strrchr(s->login, '@')) != NULL) {
		lp = (size_t)(at - s->login);
		for (i = 0; i < r->nlocalpart; i++)
			if (strcasecmp(r->localpart_domains[i], at + 1) == 0 &&
			    strlen(user) == lp && strncmp(user, s->login, lp) == 0) {
				*domain = r->localpart_domains[i];
				return VIA_LOCALPART;
			}
	}
	if (r->users_nonroot && strcmp(user, ROOT_USER) != 0)
		return VIA_NONROOT;
	return VIA_NONE;
}

/*
 * The rules that can match a destination, in evaluation order: a merge of the
 * per-tag lists (and autogroup:tagged) for a tagged node, the user-device
 * list otherwise.  Usually two or three short lists.
 */
struct pol_candidates {
	const struct pol_idx *list[POLICY_NODE_TAGS_MAX + 1];
	size_t pos[POLICY_NODE_TAGS_MAX + 1];
	size_t n;
	long last;
};

static void
pol_candidates_init(const struct policy *p, const struct pol_ident *d, struct pol_candidates *c)
{
	size_t i;

	c->n = 0;
	c->last = -1;
	if (!d->tagged) {
		c->list[c->n++] = &p->by_dst_user;
	} else {
		c->list[c->n++] = &p->by_dst_tagged;
		for (i = 0; i < d->ntags; i++)
			c->list[c->n++] = &p->by_dst_tag[d->tags[i]];
	}
	for (i = 0; i < c->n; i++)
		c->pos[i] = 0;
}

/* Next rank in order[], or -1; a rule on several lists comes once. */
static long
pol_candidates_next(struct pol_candidates *c)
{
	uint32_t best = UINT32_MAX, v;
	size_t i;

	for (i = 0; i < c->n; i++) {
		while (c->pos[i] < c->list[i]->n && (long)c->list[i]->v[c->pos[i]] <= c->last)
			c->pos[i]++;
		if (c->pos[i] < c->list[i]->n && (v = c->list[i]->v[c->pos[i]]) < best)
			best = v;
	}
	if (best == UINT32_MAX)
		return -1;
	c->last = best;
	return best;
}

static const char *
pol_who(const struct pol_ident *id, char *buf, size_t len)
{
	const char *name = id->node->name ? id->node->name : "?";

	/* truncation only shortens a message; a name that is the identity itself
	 * (a node stood in for by a login or tag in sshTests) is not repeated */
	if (id->tagged && strcmp(name, id->node->tags[0]) == 0)
		(void)snprintf(buf, len, "%s", name);
	else if (id->tagged)
		(void)snprintf(buf, len, "%s (%s)", name, id->node->tags[0]);
	else if (id->login && strcmp(name, id->login) == 0)
		(void)snprintf(buf, len, "%s", name);
	else if (id->login)
		(void)snprintf(buf, len, "%s on %s", id->login, name);
	else
		(void)snprintf(buf, len, "%s (no owner, no tags)", name);
	return buf;
}

static const char *
pol_period(int64_t s, char *buf, size_t len)
{
	if (s == POLICY_CHECK_ALWAYS)
		(void)snprintf(buf, len, "at every login");
	else if (s % S_PER_H == 0)
		(void)snprintf(buf, len, "every %lldh", (long long)(s / S_PER_H));
	else if (s % S_PER_M == 0)
		(void)snprintf(buf, len, "every %lldm", (long long)(s / S_PER_M));
	else
		(void)snprintf(buf, len, "every %llds", (long long)s);
	return buf;
}

static void
pol_explain_grant(const struct pol_rule *r, const struct pol_ident *s, const struct pol_ident *d,
    const char *user, enum pol_via via, const char *domain, struct policy_decision *out)
{
	char sw[96], dw[96], per[32], how[96];

	if (via == VIA_LITERAL)
		(void)snprintf(how, sizeof(how), "users entry \"%s\"", user);
	else if (via == VIA_LOCALPART)
		(void)snprintf(how, sizeof(how), "localpart:*@%s", domain);
	else
		(void)snprintf(how, sizeof(how), "autogroup:nonroot");
	if (r->action == POLICY_CHECK)
		(void)snprintf(out->reason, sizeof(out->reason),
		    "ssh[%d] (line %u) lets %s reach %s as \"%s\" via %s after a check, "
		    "re-authenticating %s",
		    r->index, r->line, pol_who(s, sw, sizeof(sw)), pol_who(d, dw, sizeof(dw)), user,
		    how, pol_period(r->check_period_s, per, sizeof(per)));
	else
		(void)snprintf(out->reason, sizeof(out->reason),
		    "ssh[%d] (line %u) lets %s reach %s as \"%s\" via %s", r->index, r->line,
		    pol_who(s, sw, sizeof(sw)), pol_who(d, dw, sizeof(dw)), user, how);
}

int
policy_decide(const struct policy *p, const struct netmap *nm, const struct netmap_node *src,
    const struct netmap_node *dst, const char *host_user, struct policy_decision *out)
{
	const struct pol_rule *r, *user_miss = NULL;
	struct pol_ident s, d;
	const char *domain = NULL;
	enum pol_via via;
	struct pol_candidates cand;
	char sw[96], dw[96];
	long user_idx, rank;
	int rc;

	(void)nm;
	if (out == NULL)
		return MESH_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	out->rule = -1;
	if (p == NULL || src == NULL || dst == NULL || host_user == NULL || host_user[0] == '\0') {
		(void)snprintf(out->reason, sizeof(out->reason), "invalid request");
		return MESH_ERR_INVALID;
	}
	if ((rc = pol_ident(p, src, &s)) != 0 || (rc = pol_ident(p, dst, &d)) != 0) {
		(void)snprintf(out->reason, sizeof(out->reason), "node has more than %d tags",
		    POLICY_NODE_TAGS_MAX);
		return rc;
	}
	user_idx = pol_strtab_find(&p->hostusers, host_user);
	pol_candidates_init(p, &d, &cand);
	while ((rank = pol_candidates_next(&cand)) >= 0) {
		r = &p->rules[p->order[rank]];
		if (!pol_src_match(p, r, &s) || !pol_dst_match(r, &s, &d))
			continue;
		if ((via = pol_users_match(r, &s, host_user, user_idx, &domain)) == VIA_NONE) {
			if (user_miss == NULL || r->index < user_miss->index)
				user_miss = r;
			continue;
		}
		out->action = r->action;
		out->rule = r->index;
		out->rule_line = r->line;
		out->check_period_s = r->action == POLICY_CHECK ? r->check_period_s : 0;
		out->via_localpart = via == VIA_LOCALPART;
		out->via_nonroot = via == VIA_NONROOT;
		out->enforce_recorder = r->enforce_recorder;
		out->accept_env = (const char *const *)r->accept_env;
		out->recorders = (const char *const *)r->recorders;
		pol_explain_grant(r, &s, &d, host_user, via, domain, out);
		return 0;
	}
	if (user_miss)
		(void)snprintf(out->reason, sizeof(out->reason),
		    "ssh[%d] (line %u) lets %s reach %s, but not as \"%s\"", user_miss->index,
		    user_miss->line, pol_who(&s, sw, sizeof(sw)), pol_who(&d, dw, sizeof(dw)),
		    host_user);
	else
		(void)snprintf(out->reason, sizeof(out->reason), "no ssh rule lets %s reach %s",
		    pol_who(&s, sw, sizeof(sw)), pol_who(&d, dw, sizeof(dw)));
	return 0;
}

/* Shell-style match of * (any run) and ? (one byte), as acceptEnv uses. */
static bool
pol_glob(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool
policy_env_accepted(const struct policy_decision *d, const char *name)
{
	const char *const *p;

	if (d == NULL || d->accept_env == NULL || name == NULL)
		return false;
	for (p = d->accept_env; *p; p++)
		if (pol_glob(*p, name))
			return true;
	return false;
}
