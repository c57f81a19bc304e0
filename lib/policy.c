/*
 * Policy parsing: a Tailscale policy file (HuJSON) in, a compiled policy
 * out, or one error with line:col and the path of the offending value
 * ("ssh[2].users[1]: unsupported selector \"autogroup:foo\"").
 *
 * Top-level keys that Tailscale knows but that do not concern SSH (acls,
 * grants, tests, nodeAttrs, ...) are accepted and ignored, so a tailnet's
 * policy works unchanged; any other key is an error.  Keys are matched
 * without regard to case, as Tailscale's Go decoder does ("ACLs", "Hosts").
 * Selectors are validated and interned here so policy_decide() never
 * touches a string it has not already indexed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "hujson.h"
#include "policy_int.h"

#define POL_PATH_MAX	   8
#define POL_MSG_MAX	   200
#define NS_PER_S	   1000000000LL
#define DURATION_MAX_NS	   (1000000000LL * 3600 * 24 * 365 * 100) /* parse limit: 100 years */
#define TAG_PREFIX	   "tag:"
#define GROUP_PREFIX	   "group:"
#define AUTOGROUP_PREFIX   "autogroup:"
#define LOCALPART_PREFIX   "localpart:"
#define LOCALPART_WILDCARD "*@"

/* One step of the path to a value: an object key or an array index. */
struct pol_seg {
	const char *key; /* NULL for an array index */
	size_t index;
};

struct pol_ctx {
	struct policy *p;
	struct mesh_error *err;
	char *text; /* standard JSON of the same length, for locating values */
	size_t len;
	struct pol_seg path[POL_PATH_MAX];
	int depth;
	/* the last value located, so walking an array is linear, not quadratic */
	struct pol_seg last[POL_PATH_MAX];
	int last_depth;
	size_t last_off;
	size_t lc_off; /* line/col known at this offset */
	unsigned lc_line, lc_col;
};

/* Fields of one JSON object, matched by name without regard to case. */
struct pol_field {
	const char *name;
	json_t *val;
	const char *key; /* as written */
};

/* --- locating a value in the text ------------------------------------- */

static size_t
loc_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static size_t
loc_string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i < n ? i + 1 : n;
}

static size_t
loc_skip(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return loc_string_end(s, n, i);
	if (i < n && (s[i] == '{' || s[i] == '[')) {
		while (i < n) {
			if (s[i] == '"') {
				i = loc_string_end(s, n, i);
				continue;
			}
			if (s[i] == '{' || s[i] == '[')
				depth++;
			else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return n;
	}
	while (i < n && strchr(",]} \t\r\n", s[i]) == NULL)
		i++;
	return i;
}

/* Offset of the value at path, or of the deepest prefix of it that exists. */
static size_t
loc_find(const char *s, size_t n, const struct pol_seg *path, int depth)
{
	size_t i = loc_ws(s, n, 0), best = i, k, ks, ke;
	int d;

	for (d = 0; d < depth; d++) {
		if (path[d].key) {
			if (i >= n || s[i] != '{')
				return best;
			for (i = loc_ws(s, n, i + 1);; i = loc_ws(s, n, i + 1)) {
				if (i >= n || s[i] != '"')
					return best;
				ks = i + 1;
				ke = loc_string_end(s, n, i);
				i = loc_ws(s, n, ke);
				if (i >= n || s[i] != ':')
					return best;
				i = loc_ws(s, n, i + 1);
				if (ke - 1 - ks == strlen(path[d].key) &&
				    strncmp(s + ks, path[d].key, ke - 1 - ks) == 0)
					break;
				i = loc_ws(s, n, loc_skip(s, n, i));
				if (i >= n || s[i] != ',')
					return best;
			}
		} else {
			if (i >= n || s[i] != '[')
				return best;
			i = loc_ws(s, n, i + 1);
			for (k = 0; k < path[d].index; k++) {
				i = loc_ws(s, n, loc_skip(s, n, i));
				if (i >= n || s[i] != ',')
					return best;
				i = loc_ws(s, n, i + 1);
			}
			if (i >= n || s[i] == ']')
				return best;
		}
		best = i;
	}
	return best;
}

static bool
pol_seg_eq(const struct pol_seg *a, const struct pol_seg *b)
{
	if (a->key == NULL || b->key == NULL)
		return a->key == b->key && a->index == b->index;
	return strcmp(a->key, b->key) == 0;
}

/*
 * Offset of the value at the current path.  The next element of the array
 * located last is found by skipping one value from there.
 */
static size_t
pol_offset(struct pol_ctx *c)
{
	int d, depth = c->depth < POL_PATH_MAX ? c->depth : POL_PATH_MAX;
	bool next = depth > 0 && depth == c->last_depth && c->path[depth - 1].key == NULL &&
	    c->last[depth - 1].key == NULL &&
	    c->path[depth - 1].index == c->last[depth - 1].index + 1;
	size_t i;

	for (d = 0; next && d < depth - 1; d++)
		next = pol_seg_eq(&c->path[d], &c->last[d]);
	i = c->last_off;
	if (next) {
		i = loc_ws(c->text, c->len, loc_skip(c->text, c->len, i));
		next = i < c->len && c->text[i] == ',';
		i = loc_ws(c->text, c->len, i + 1);
	}
	if (!next)
		i = loc_find(c->text, c->len, c->path, depth);
	memcpy(c->last, c->path, (size_t)depth * sizeof(c->path[0]));
	c->last_depth = depth;
	c->last_off = i;
	return i;
}

/* Line and column of the current path, counting on from the last answer. */
static void
pol_here(struct pol_ctx *c, unsigned *line, unsigned *col)
{
	size_t off = pol_offset(c), i;

	if (off < c->lc_off || c->lc_line == 0) {
		c->lc_off = 0;
		c->lc_line = c->lc_col = 1;
	}
	for (i = c->lc_off; i < off; i++) {
		if (c->text[i] == '\n') {
			c->lc_line++;
			c->lc_col = 1;
		} else {
			c->lc_col++;
		}
	}
	c->lc_off = off;
	*line = c->lc_line;
	*col = c->lc_col;
}

/* --- errors --------------------------------------------------------- */

static void
pol_path_format(const struct pol_ctx *c, char *buf, size_t len)
{
	size_t used = 0;
	int d, r;

	buf[0] = '\0';
	for (d = 0; d < c->depth && used < len; d++) {
		const struct pol_seg *g = &c->path[d];

		if (g->key == NULL)
			r = snprintf(buf + used, len - used, "[%zu]", g->index);
		else if (d > 0 && strpbrk(g->key, ":@ ") != NULL)
			r = snprintf(buf + used, len - used, "[\"%s\"]", g->key);
		else
			r = snprintf(buf + used, len - used, "%s%s", d ? "." : "", g->key);
		if (r < 0)
			return;
		used += (size_t)r;
	}
}

static int pol_fail(struct pol_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
pol_fail(struct pol_ctx *c, int code, const char *fmt, ...)
{
	char path[POL_MSG_MAX], msg[POL_MSG_MAX];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	/* a truncated message still says what is wrong */
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pol_path_format(c, path, sizeof(path));
	pol_here(c, &line, &col);
	if (path[0])
		return mesh_error_set(c->err, code, line, col, "%s: %s", path, msg);
	return mesh_error_set(c->err, code, line, col, "%s", msg);
}

static void
pol_push_key(struct pol_ctx *c, const char *key)
{
	if (c->depth < POL_PATH_MAX)
		c->path[c->depth] = (struct pol_seg){key, 0};
	c->depth++;
}

static void
pol_push_index(struct pol_ctx *c, size_t i)
{
	if (c->depth < POL_PATH_MAX)
		c->path[c->depth] = (struct pol_seg){NULL, i};
	c->depth++;
}

static void
pol_pop(struct pol_ctx *c)
{
	c->depth--;
}

/* --- JSON shapes ------------------------------------------------------ */

static int
pol_fields(struct pol_ctx *c, json_t *obj, struct pol_field *f, size_t nf, bool *ignored)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return pol_fail(c, MESH_ERR_PARSE, "must be an object");
	json_object_foreach (obj, key, v) {
		for (i = 0; i < nf; i++)
			if (strcasecmp(key, f[i].name) == 0)
				break;
		if (i == nf) {
			pol_push_key(c, key);
			return pol_fail(c, MESH_ERR_PARSE, "unknown key");
		}
		if (f[i].val != NULL) {
			pol_push_key(c, key);
			return pol_fail(c, MESH_ERR_DUPLICATE, "\"%s\" given twice (as \"%s\")",
			    f[i].name, f[i].key);
		}
		if (ignored && ignored[i])
			continue;
		f[i].val = v;
		f[i].key = key;
	}
	return 0;
}

static int
pol_string(struct pol_ctx *c, json_t *v, const char **s)
{
	if (!json_is_string(v))
		return pol_fail(c, MESH_ERR_PARSE, "must be a string");
	*s = json_string_value(v);
	if (strlen(*s) != json_string_length(v))
		return pol_fail(c, MESH_ERR_PARSE, "string contains a NUL byte");
	return 0;
}

static int
pol_string_array(struct pol_ctx *c, json_t *v)
{
	json_t *e;
	size_t i;
	const char *s;
	int r;

	if (!json_is_array(v))
		return pol_fail(c, MESH_ERR_PARSE, "must be an array of strings");
	json_array_foreach (v, i, e) {
		pol_push_index(c, i);
		if ((r = pol_string(c, e, &s)) != 0)
			return r;
		pol_pop(c);
	}
	return 0;
}

static int
pol_idx_push(struct pol_idx *x, uint32_t v)
{
	uint32_t *n;
	size_t i;

	for (i = 0; i < x->n; i++)
		if (x->v[i] == v)
			return 0;
	if ((n = realloc(x->v, (x->n + 1) * sizeof(*n))) == NULL)
		return MESH_ERR_NOMEM;
	x->v = n;
	x->v[x->n++] = v;
	return 0;
}

static int
pol_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 2) * sizeof(*nv))) == NULL)
		return MESH_ERR_NOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return MESH_ERR_NOMEM;
	nv[++*n] = NULL;
	return 0;
}

static void
pol_strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* --- selectors -------------------------------------------------------- */

static bool
pol_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum pol_sel
pol_classify(const char *s)
{
	if (strcmp(s, "*") == 0)
		return SEL_STAR;
	if (pol_has_prefix(s, TAG_PREFIX))
		return SEL_TAG;
	if (pol_has_prefix(s, GROUP_PREFIX))
		return SEL_GROUP;
	if (pol_has_prefix(s, LOCALPART_PREFIX))
		return SEL_LOCALPART;
	if (strcmp(s, "autogroup:member") == 0)
		return SEL_MEMBER;
	if (strcmp(s, "autogroup:tagged") == 0)
		return SEL_TAGGED;
	if (strcmp(s, "autogroup:self") == 0)
		return SEL_SELF;
	if (strcmp(s, "autogroup:nonroot") == 0)
		return SEL_NONROOT;
	if (pol_has_prefix(s, AUTOGROUP_PREFIX))
		return SEL_AUTOGROUP;
	if (strchr(s, '@') != NULL)
		return SEL_LOGIN;
	return SEL_OTHER;
}

/* Tailscale's tag rule: tag:, then a letter, then letters, digits, dashes. */
static int
pol_check_tag(struct pol_ctx *c, const char *tag)
{
	const char *t = tag + strlen(TAG_PREFIX);

	if (!pol_has_prefix(tag, TAG_PREFIX))
		return pol_fail(c, MESH_ERR_INVALID, "\"%s\": tags must start with 'tag:'", tag);
	if (*t == '\0')
		return pol_fail(c, MESH_ERR_INVALID, "\"%s\": tag names must not be empty", tag);
	if (!isalpha((unsigned char)*t) || (unsigned char)*t >= 0x80)
		return pol_fail(c, MESH_ERR_INVALID,
		    "\"%s\": tag names must start with a letter, after 'tag:'", tag);
	for (; *t; t++)
		if (!(isalnum((unsigned char)*t) && (unsigned char)*t < 0x80) && *t != '-')
			return pol_fail(c, MESH_ERR_INVALID,
			    "\"%s\": tag names can only contain numbers, letters, or dashes", tag);
	return 0;
}

/* A tag a rule or test refers to must be declared in tagOwners. */
static int
pol_known_tag(struct pol_ctx *c, const char *tag, uint32_t *idx)
{
	long i;
	int r;

	if ((r = pol_check_tag(c, tag)) != 0)
		return r;
	if ((i = pol_strtab_find(&c->p->tags, tag)) < 0)
		return pol_fail(c, MESH_ERR_INVALID, "tag \"%s\" is not defined in tagOwners", tag);
	if (idx)
		*idx = (uint32_t)i;
	return 0;
}

static int
pol_login(struct pol_ctx *c, const char *login, uint32_t *idx)
{
	const char *at = strrchr(login, '@');

	if (at == login || at[1] == '\0' || strpbrk(login, " \t\r\n") != NULL)
		return pol_fail(c, MESH_ERR_INVALID, "\"%s\" is not a login (user@domain)", login);
	return pol_strtab_add(&c->p->logins, login, strlen(login), idx);
}

bool
pol_parse_addr(const char *s, bool *single)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	char *slash, *end;
	long bits;
	int af;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return false;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, bin) != 1)
		return false;
	*single = true;
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || bits < 0 ||
		    bits > (af == AF_INET ? 32 : 128))
			return false;
		*single = bits == (af == AF_INET ? 32 : 128);
	}
	return true;
}

/* --- durations ------------------------------------------------------------ */

struct pol_unit {
	const char *name;
	int64_t ns;
};

static const struct pol_unit pol_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC greek mu */
    {"ms", 1000000},
    {"s", NS_PER_S},
    {"m", 60 * NS_PER_S},
    {"h", 3600 * NS_PER_S},
};

/* Go's time.ParseDuration grammar: [-+]? (digits[.digits] unit)+ or "0". */
static int
pol_duration_ns(const char *s, int64_t *out)
{
	const char *p = s;
	int64_t total = 0, whole, frac, scale;
	bool neg = false;
	size_t u, best, blen;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*p == '\0')
		return MESH_ERR_PARSE;
	while (*p) {
		whole = frac = 0;
		scale = 1;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return MESH_ERR_PARSE;
		for (; isdigit((unsigned char)*p); p++) {
			if (whole > DURATION_MAX_NS / 10)
				return MESH_ERR_RANGE;
			whole = whole * 10 + (*p - '0');
		}
		if (*p == '.') {
			if (!isdigit((unsigned char)p[1]) && !isdigit((unsigned char)p[-1]))
				return MESH_ERR_PARSE;
			for (p++; isdigit((unsigned char)*p); p++)
				if (scale < NS_PER_S) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
		}
		best = sizeof(pol_units) / sizeof(pol_units[0]);
		blen = 0;
		for (u = 0; u < sizeof(pol_units) / sizeof(pol_units[0]); u++) {
			size_t l = strlen(pol_units[u].name);

			if (strncmp(p, pol_units[u].name, l) == 0 && l > blen) {
				best = u;
				blen = l;
			}
		}
		if (blen == 0)
			return MESH_ERR_PARSE;
		if (whole > DURATION_MAX_NS / pol_units[best].ns)
			return MESH_ERR_RANGE;
		total += whole * pol_units[best].ns + frac * pol_units[best].ns / scale;
		if (total > DURATION_MAX_NS)
			return MESH_ERR_RANGE;
		p += blen;
	}
	*out = neg ? -total : total;
	return 0;
}

int
policy_parse_check_period(const char *s, int64_t *out_s, struct mesh_error *err)
{
	int64_t ns;
	int r;

	if (strcmp(s, "always") == 0) {
		*out_s = POLICY_CHECK_ALWAYS;
		return 0;
	}
	if ((r = pol_duration_ns(s, &ns)) == MESH_ERR_RANGE ||
	    (r == 0 && ns > 0 && (ns + NS_PER_S - 1) / NS_PER_S > POLICY_CHECK_PERIOD_MAX_S))
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "checkPeriod \"%s\" is above the max (168h)", s);
	if (r != 0)
		return mesh_error_set(err, MESH_ERR_PARSE, 0, 0,
		    "invalid checkPeriod \"%s\": want a duration such as \"12h\" or \"always\"", s);
	if (ns < 0)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "checkPeriod \"%s\" must be a positive duration", s);
	/* a zero period re-checks every login, like "always"; round up below 1s */
	*out_s = (ns + NS_PER_S - 1) / NS_PER_S;
	return 0;
}

/* --- groups, tagOwners, hosts ------------------------------------------- */

static int
pol_parse_groups(struct pol_ctx *c, json_t *obj)
{
	struct policy *p = c->p;
	const char *name, *m;
	json_t *v, *e;
	uint32_t g, l;
	size_t i;
	int r;

	if (!json_is_object(obj))
		return pol_fail(c, MESH_ERR_PARSE, "must be an object");
	json_object_foreach (obj, name, v) {
		pol_push_key(c, name);
		if (!pol_has_prefix(name, GROUP_PREFIX) || name[strlen(GROUP_PREFIX)] == '\0')
			return pol_fail(c, MESH_ERR_INVALID,
			    "group names must start with \"group:\" and name something");
		if ((r = pol_string_array(c, v)) != 0)
			return r;
		if ((r = pol_strtab_add(&p->groups, name, strlen(name), &g)) != 0)
			return r;
		if (g >= p->ngroup_members) {
			struct pol_idx *gm =
			    realloc(p->group_members, (g + 1) * sizeof(*p->group_members));

			if (gm == NULL)
				return MESH_ERR_NOMEM;
			p->group_members = gm;
			memset(
			    &gm[p->ngroup_members], 0, (g + 1 - p->ngroup_members) * sizeof(*gm));
			p->ngroup_members = g + 1;
		}
		json_array_foreach (v, i, e) {
			pol_push_index(c, i);
			m = json_string_value(e);
			switch (pol_classify(m)) {
			case SEL_LOGIN:
				break;
			case SEL_GROUP:
				return pol_fail(c, MESH_ERR_INVALID,
				    "\"%s\": group members cannot be recursive", m);
			case SEL_OTHER:
				return pol_fail(
				    c, MESH_ERR_INVALID, "\"%s\" is not a login (user@domain)", m);
			default:
				return pol_fail(c, MESH_ERR_UNSUPPORTED,
				    "unsupported selector \"%s\": group members are logins", m);
			}
			if ((r = pol_login(c, m, &l)) != 0 ||
			    (r = pol_idx_push(&p->group_members[g], l)) != 0)
				return r;
			pol_pop(c);
		}
		pol_pop(c);
	}
	return 0;
}

static int
pol_parse_tag_owners(struct pol_ctx *c, json_t *obj)
{
	const char *name;
	json_t *v;
	uint32_t t;
	int r;

	if (!json_is_object(obj))
		return pol_fail(c, MESH_ERR_PARSE, "must be an object");
	json_object_foreach (obj, name, v) {
		pol_push_key(c, name);
		if ((r = pol_check_tag(c, name)) != 0 || (r = pol_string_array(c, v)) != 0)
			return r;
		if ((r = pol_strtab_add(&c->p->tags, name, strlen(name), &t)) != 0)
			return r;
		pol_pop(c);
	}
	return 0;
}

static int
pol_parse_hosts(struct pol_ctx *c, json_t *obj)
{
	struct policy *p = c->p;
	struct pol_host *h;
	const char *name, *addr;
	json_t *v;
	bool single;
	int r;

	if (!json_is_object(obj))
		return pol_fail(c, MESH_ERR_PARSE, "must be an object");
	if ((p->hosts = calloc(json_object_size(obj) + 1, sizeof(*p->hosts))) == NULL)
		return MESH_ERR_NOMEM;
	json_object_foreach (obj, name, v) {
		pol_push_key(c, name);
		if (pol_classify(name) != SEL_OTHER || name[0] == '\0')
			return pol_fail(c, MESH_ERR_INVALID,
			    "host names cannot be empty or look like a selector");
		if ((r = pol_string(c, v, &addr)) != 0)
			return r;
		if (!pol_parse_addr(addr, &single))
			return pol_fail(
			    c, MESH_ERR_INVALID, "\"%s\" is not an IP address or prefix", addr);
		h = &p->hosts[p->nhosts];
		if ((h->name = strdup(name)) == NULL || (h->addr = strdup(addr)) == NULL)
			return MESH_ERR_NOMEM;
		p->nhosts++;
		pol_pop(c);
	}
	return 0;
}

/* --- ssh rules ---------------------------------------------------------- */

enum { F_ACTION, F_SRC, F_DST, F_USERS, F_CHECKPERIOD, F_ACCEPTENV, F_RECORDER, F_ENFORCE, F_N };

static int
pol_rule_src(struct pol_ctx *c, struct pol_rule *rule, json_t *src, bool *tags, bool *groups)
{
	struct policy *p = c->p;
	const char *s;
	json_t *e;
	uint32_t x;
	long g;
	size_t i;
	int r;

	json_array_foreach (src, i, e) {
		pol_push_index(c, i);
		s = json_string_value(e);
		switch (pol_classify(s)) {
		case SEL_LOGIN:
			if ((r = pol_login(c, s, &x)) != 0 ||
			    (r = pol_idx_push(&rule->src_logins, x)) != 0)
				return r;
			break;
		case SEL_GROUP:
			if ((g = pol_strtab_find(&p->groups, s)) < 0)
				return pol_fail(
				    c, MESH_ERR_INVALID, "group \"%s\" is not defined", s);
			if ((r = pol_idx_push(&rule->src_groups, (uint32_t)g)) != 0)
				return r;
			*groups = true;
			break;
		case SEL_TAG:
			if ((r = pol_known_tag(c, s, &x)) != 0 ||
			    (r = pol_idx_push(&rule->src_tags, x)) != 0)
				return r;
			*tags = true;
			break;
		case SEL_MEMBER:
			rule->src_member = *groups = true;
			break;
		case SEL_TAGGED:
			rule->src_tagged = *tags = true;
			break;
		default:
			return pol_fail(c, MESH_ERR_UNSUPPORTED,
			    "unsupported selector \"%s\": ssh src takes logins, groups, tags, "
			    "autogroup:member or autogroup:tagged",
			    s);
		}
		pol_pop(c);
	}
	return 0;
}

static int
pol_rule_dst(struct pol_ctx *c, struct pol_rule *rule, json_t *dst, bool tags, bool groups)
{
	const char *s;
	json_t *e;
	uint32_t x;
	size_t i;
	int r;

	json_array_foreach (dst, i, e) {
		pol_push_index(c, i);
		s = json_string_value(e);
		switch (pol_classify(s)) {
		case SEL_TAG:
			if ((r = pol_known_tag(c, s, &x)) != 0 ||
			    (r = pol_idx_push(&rule->dst_tags, x)) != 0)
				return r;
			break;
		case SEL_SELF:
			if (tags)
				return pol_fail(c, MESH_ERR_INVALID,
				    "autogroup:self destination requires a src of only users or "
				    "groups, not tags or autogroup:tagged");
			rule->dst_self = true;
			break;
		case SEL_MEMBER:
			if (tags)
				return pol_fail(c, MESH_ERR_INVALID,
				    "tags in ssh src cannot access autogroup:member (user-owned "
				    "devices)");
			rule->dst_member = true;
			break;
		case SEL_TAGGED:
			rule->dst_tagged = true;
			break;
		case SEL_LOGIN:
			if (tags)
				return pol_fail(c, MESH_ERR_INVALID,
				    "tags in ssh src cannot access user-owned devices (%s); use "
				    "autogroup:tagged or tags as destinations instead",
				    s);
			if (groups || rule->src_logins.n != 1 ||
			    strcmp(c->p->logins.names[rule->src_logins.v[0]], s) != 0)
				return pol_fail(c, MESH_ERR_INVALID,
				    "user destination \"%s\" requires the src to be only that same "
				    "user; use autogroup:self for same-user access",
				    s);
			if ((r = pol_login(c, s, &x)) != 0 ||
			    (r = pol_idx_push(&rule->dst_logins, x)) != 0)
				return r;
			break;
		case SEL_STAR:
			return pol_fail(c, MESH_ERR_UNSUPPORTED,
			    "wildcard (*) is not supported as ssh destination; use "
			    "autogroup:member, autogroup:tagged or tags");
		case SEL_OTHER:
			return pol_fail(c, MESH_ERR_INVALID,
			    "invalid dst \"%s\": hosts, addresses and node names cannot be ssh "
			    "destinations; tag the node",
			    s);
		default:
			return pol_fail(c, MESH_ERR_UNSUPPORTED,
			    "unsupported selector \"%s\": ssh dst takes tags, autogroup:self, "
			    "autogroup:member, autogroup:tagged or the src user",
			    s);
		}
		pol_pop(c);
	}
	return 0;
}

static int
pol_rule_users(struct pol_ctx *c, struct pol_rule *rule, json_t *users)
{
	char name[POL_MSG_MAX];
	const char *s, *dom;
	size_t i, b, e;
	json_t *v;
	uint32_t x;
	int r;

	if (json_array_size(users) == 0)
		return pol_fail(c, MESH_ERR_INVALID, "users must be specified");
	json_array_foreach (users, i, v) {
		pol_push_index(c, i);
		s = json_string_value(v);
		/* Tailscale trims surrounding blanks */
		for (b = 0; isspace((unsigned char)s[b]); b++)
			;
		for (e = strlen(s); e > b && isspace((unsigned char)s[e - 1]); e--)
			;
		if (e - b >= sizeof(name))
			return pol_fail(c, MESH_ERR_RANGE, "user name too long");
		memcpy(name, s + b, e - b);
		name[e - b] = '\0';
		switch (pol_classify(name)) {
		case SEL_NONROOT:
			rule->users_nonroot = true;
			break;
		case SEL_LOCALPART:
			dom = name + strlen(LOCALPART_PREFIX);
			if (!pol_has_prefix(dom, LOCALPART_WILDCARD) || dom[2] == '\0' ||
			    strpbrk(dom + 2, "@*") != NULL)
				return pol_fail(c, MESH_ERR_INVALID,
				    "invalid selector \"%s\": want localpart:*@domain", name);
			if ((r = pol_strv_push(
				 &rule->localpart_domains, &rule->nlocalpart, dom + 2)) != 0)
				return r;
			break;
		case SEL_STAR:
			return pol_fail(
			    c, MESH_ERR_INVALID, "user \"*\" is not valid; use autogroup:nonroot");
		case SEL_OTHER:
		case SEL_LOGIN:
			if (name[0] == '\0')
				return pol_fail(c, MESH_ERR_INVALID, "user \"\" is not valid");
			if (strpbrk(name, " \t\r\n:/") != NULL)
				return pol_fail(c, MESH_ERR_INVALID,
				    "user \"%s\" is not a valid host account name", name);
			if ((r = pol_strtab_add(&c->p->hostusers, name, strlen(name), &x)) != 0 ||
			    (r = pol_idx_push(&rule->users_literal, x)) != 0)
				return r;
			break;
		default:
			return pol_fail(c, MESH_ERR_UNSUPPORTED,
			    "unsupported selector \"%s\": users takes host account names, root, "
			    "autogroup:nonroot or localpart:*@domain",
			    name);
		}
		pol_pop(c);
	}
	return 0;
}

static int
pol_rule_extras(struct pol_ctx *c, struct pol_rule *rule, struct pol_field *f)
{
	const char *s;
	size_t i, n = 0;
	json_t *v;
	int r;

	if (f[F_ACCEPTENV].val) {
		pol_push_key(c, f[F_ACCEPTENV].key);
		if ((r = pol_string_array(c, f[F_ACCEPTENV].val)) != 0)
			return r;
		json_array_foreach (f[F_ACCEPTENV].val, i, v) {
			pol_push_index(c, i);
			if (json_string_length(v) == 0)
				return pol_fail(
				    c, MESH_ERR_INVALID, "acceptEnv values cannot be empty");
			if ((r = pol_strv_push(&rule->accept_env, &n, json_string_value(v))) != 0)
				return r;
			pol_pop(c);
		}
		pol_pop(c);
	}
	n = 0;
	if (f[F_RECORDER].val) {
		pol_push_key(c, f[F_RECORDER].key);
		if ((r = pol_string_array(c, f[F_RECORDER].val)) != 0)
			return r;
		json_array_foreach (f[F_RECORDER].val, i, v) {
			pol_push_index(c, i);
			s = json_string_value(v);
			if ((r = pol_known_tag(c, s, NULL)) != 0)
				return r;
			if ((r = pol_strv_push(&rule->recorders, &n, s)) != 0)
				return r;
			pol_pop(c);
		}
		pol_pop(c);
	}
	if (f[F_ENFORCE].val) {
		pol_push_key(c, f[F_ENFORCE].key);
		if (!json_is_boolean(f[F_ENFORCE].val))
			return pol_fail(c, MESH_ERR_PARSE, "must be true or false");
		rule->enforce_recorder = json_is_true(f[F_ENFORCE].val);
		if (rule->enforce_recorder && n == 0)
			return pol_fail(c, MESH_ERR_INVALID, "enforceRecorder needs a recorder");
		pol_pop(c);
	}
	return 0;
}

static int
pol_parse_rule(struct pol_ctx *c, json_t *obj, struct pol_rule *rule)
{
	struct pol_field f[F_N] = {
	    {"action", NULL, NULL},
	    {"src", NULL, NULL},
	    {"dst", NULL, NULL},
	    {"users", NULL, NULL},
	    {"checkPeriod", NULL, NULL},
	    {"acceptEnv", NULL, NULL},
	    {"recorder", NULL, NULL},
	    {"enforceRecorder", NULL, NULL},
	};
	struct mesh_error perr = {0};
	bool tags = false, groups = false;
	const char *s;
	int r, k;

	if ((r = pol_fields(c, obj, f, F_N, NULL)) != 0)
		return r;
	if (f[F_ACTION].val == NULL)
		return pol_fail(c, MESH_ERR_INVALID, "action must be specified");
	pol_push_key(c, f[F_ACTION].key);
	if ((r = pol_string(c, f[F_ACTION].val, &s)) != 0)
		return r;
	if (strcmp(s, "accept") == 0)
		rule->action = POLICY_ACCEPT;
	else if (strcmp(s, "check") == 0)
		rule->action = POLICY_CHECK;
	else if (s[0] == '\0')
		return pol_fail(c, MESH_ERR_INVALID, "action must be specified");
	else
		return pol_fail(
		    c, MESH_ERR_INVALID, "\"%s\" is not a valid action (accept or check)", s);
	pol_pop(c);
	for (k = F_SRC; k <= F_USERS; k++) {
		if (f[k].val == NULL)
			return pol_fail(c, MESH_ERR_INVALID, "%s must be specified", f[k].name);
		pol_push_key(c, f[k].key);
		if ((r = pol_string_array(c, f[k].val)) != 0)
			return r;
		if (k != F_USERS && json_array_size(f[k].val) == 0)
			return pol_fail(c, MESH_ERR_INVALID, "%s must not be empty", f[k].name);
		if (k == F_SRC)
			r = pol_rule_src(c, rule, f[k].val, &tags, &groups);
		else if (k == F_DST)
			r = pol_rule_dst(c, rule, f[k].val, tags, groups);
		else
			r = pol_rule_users(c, rule, f[k].val);
		if (r != 0)
			return r;
		pol_pop(c);
	}
	rule->check_period_s = POLICY_CHECK_PERIOD_DEFAULT_S;
	if (f[F_CHECKPERIOD].val) {
		pol_push_key(c, f[F_CHECKPERIOD].key);
		if (rule->action != POLICY_CHECK)
			return pol_fail(
			    c, MESH_ERR_INVALID, "checkPeriod is only valid with action \"check\"");
		if ((r = pol_string(c, f[F_CHECKPERIOD].val, &s)) != 0)
			return r;
		if ((r = policy_parse_check_period(s, &rule->check_period_s, &perr)) != 0)
			return pol_fail(c, r, "%s", perr.text);
		pol_pop(c);
	}
	return pol_rule_extras(c, rule, f);
}

static int
pol_parse_ssh(struct pol_ctx *c, json_t *arr)
{
	struct policy *p = c->p;
	unsigned col;
	json_t *v;
	size_t i;
	int r;

	if (!json_is_array(arr))
		return pol_fail(c, MESH_ERR_PARSE, "must be an array of rules");
	if ((p->rules = calloc(json_array_size(arr) + 1, sizeof(*p->rules))) == NULL)
		return MESH_ERR_NOMEM;
	json_array_foreach (arr, i, v) {
		struct pol_rule *rule = &p->rules[i];

		pol_push_index(c, i);
		p->nrules = i + 1;
		rule->index = (int)i;
		pol_here(c, &rule->line, &col);
		if ((r = pol_parse_rule(c, v, rule)) != 0)
			return r;
		pol_pop(c);
	}
	return 0;
}

/* --- sshTests --------------------------------------------------------- */

static int
pol_test_list(struct pol_ctx *c, struct pol_field *f, struct pol_sshtest *t, int k)
{
	struct pol_pos *pos;
	json_t *v;
	size_t i;
	int r;

	if (f->val == NULL)
		return 0;
	pol_push_key(c, f->key);
	if ((r = pol_string_array(c, f->val)) != 0)
		return r;
	if ((t->pos[k] = calloc(json_array_size(f->val) + 1, sizeof(*pos))) == NULL)
		return MESH_ERR_NOMEM;
	json_array_foreach (f->val, i, v) {
		pol_push_index(c, i);
		if (json_string_length(v) == 0)
			return pol_fail(c, MESH_ERR_INVALID, "user \"\" is not valid");
		pos = &t->pos[k][t->nusers[k]];
		pol_here(c, &pos->line, &pos->col);
		if ((r = pol_strv_push(&t->users[k], &t->nusers[k], json_string_value(v))) != 0)
			return r;
		pol_pop(c);
	}
	pol_pop(c);
	return 0;
}

static int
pol_test_dst(struct pol_ctx *c, struct pol_sshtest *t, const char *s)
{
	bool single;

	switch (pol_classify(s)) {
	case SEL_TAG:
		return pol_known_tag(c, s, NULL);
	case SEL_SELF:
		if (pol_classify(t->src) != SEL_LOGIN)
			return pol_fail(c, MESH_ERR_INVALID, "autogroup:self needs a login as src");
		return 0;
	case SEL_LOGIN:
		return 0;
	case SEL_OTHER:
		if (s[0] == '\0')
			return pol_fail(c, MESH_ERR_INVALID, "dst \"\" is not valid");
		if (strchr(s, '/') && (!pol_parse_addr(s, &single) || !single))
			return pol_fail(
			    c, MESH_ERR_INVALID, "dst \"%s\" must name one host, not a range", s);
		return 0;
	default:
		return pol_fail(c, MESH_ERR_UNSUPPORTED,
		    "unsupported selector \"%s\": sshTests dst takes tags, hosts, addresses, "
		    "node names, logins or autogroup:self",
		    s);
	}
}

static int
pol_parse_test(struct pol_ctx *c, json_t *obj, struct pol_sshtest *t)
{
	struct pol_field f[] = {
	    {"src", NULL, NULL},
	    {"dst", NULL, NULL},
	    {"accept", NULL, NULL},
	    {"check", NULL, NULL},
	    {"deny", NULL, NULL},
	};
	const char *s;
	json_t *v;
	size_t i;
	int r;

	if ((r = pol_fields(c, obj, f, sizeof(f) / sizeof(f[0]), NULL)) != 0)
		return r;
	if (f[0].val == NULL)
		return pol_fail(c, MESH_ERR_INVALID, "src must be specified");
	pol_push_key(c, f[0].key);
	if ((r = pol_string(c, f[0].val, &s)) != 0)
		return r;
	switch (pol_classify(s)) {
	case SEL_TAG:
		if ((r = pol_known_tag(c, s, NULL)) != 0)
			return r;
		break;
	case SEL_LOGIN:
		break;
	case SEL_OTHER:
		if (s[0] != '\0')
			break;
		return pol_fail(c, MESH_ERR_INVALID, "src must not be empty");
	default:
		return pol_fail(c, MESH_ERR_UNSUPPORTED,
		    "unsupported selector \"%s\": sshTests src is one login, tag, host, address "
		    "or node name",
		    s);
	}
	if ((t->src = strdup(s)) == NULL)
		return MESH_ERR_NOMEM;
	pol_pop(c);
	if (f[1].val == NULL)
		return pol_fail(c, MESH_ERR_INVALID, "dst must be specified");
	pol_push_key(c, f[1].key);
	if ((r = pol_string_array(c, f[1].val)) != 0)
		return r;
	if (json_array_size(f[1].val) == 0)
		return pol_fail(c, MESH_ERR_INVALID, "dst must not be empty");
	if ((t->dst_pos = calloc(json_array_size(f[1].val), sizeof(*t->dst_pos))) == NULL)
		return MESH_ERR_NOMEM;
	json_array_foreach (f[1].val, i, v) {
		pol_push_index(c, i);
		pol_here(c, &t->dst_pos[i].line, &t->dst_pos[i].col);
		if ((r = pol_test_dst(c, t, json_string_value(v))) != 0 ||
		    (r = pol_strv_push(&t->dst, &t->ndst, json_string_value(v))) != 0)
			return r;
		pol_pop(c);
	}
	pol_pop(c);
	for (i = 0; i < 3; i++)
		if ((r = pol_test_list(c, &f[2 + i], t, (int)i)) != 0)
			return r;
	if (t->nusers[0] + t->nusers[1] + t->nusers[2] == 0)
		return pol_fail(c, MESH_ERR_INVALID, "no accept, check or deny assertions");
	return 0;
}

static int
pol_parse_tests(struct pol_ctx *c, json_t *arr)
{
	struct policy *p = c->p;
	json_t *v;
	size_t i;
	int r;

	if (!json_is_array(arr))
		return pol_fail(c, MESH_ERR_PARSE, "must be an array of tests");
	if ((p->tests = calloc(json_array_size(arr) + 1, sizeof(*p->tests))) == NULL)
		return MESH_ERR_NOMEM;
	json_array_foreach (arr, i, v) {
		struct pol_sshtest *t = &p->tests[i];

		pol_push_index(c, i);
		p->ntests = i + 1;
		pol_here(c, &t->line, &t->col);
		if ((r = pol_parse_test(c, v, t)) != 0)
			return r;
		pol_pop(c);
	}
	return 0;
}

/* --- top level ---------------------------------------------------------- */

enum {
	T_GROUPS,
	T_TAGOWNERS,
	T_HOSTS,
	T_SSH,
	T_SSHTESTS,
	T_IGNORED, /* the first of the keys that are valid but not about SSH */
};

static const char *const pol_top_keys[] = {
    "groups",
    "tagOwners",
    "hosts",
    "ssh",
    "sshTests",
    /* accepted and ignored: */
    "acls",
    "autoApprovers",
    "defaultSrcPosture",
    "derpMap",
    "disableIPv4",
    "grants",
    "ipsets",
    "nodeAttrs",
    "OneCGNATRoute",
    "postures",
    "randomizeClientPort",
    "tests",
};
#define POL_NTOP (sizeof(pol_top_keys) / sizeof(pol_top_keys[0]))

/* Evaluation order: all check rules, then all accept rules, each in file order. */
static int
pol_finish(struct policy *p)
{
	size_t i, n = 0, l, g, m;
	int pass;

	if ((p->order = calloc(p->nrules + 1, sizeof(*p->order))) == NULL)
		return MESH_ERR_NOMEM;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < p->nrules; i++)
			if ((p->rules[i].action == POLICY_CHECK) == (pass == 0))
				p->order[n++] = (uint32_t)i;
	if ((p->by_dst_tag = calloc(p->tags.n + 1, sizeof(*p->by_dst_tag))) == NULL)
		return MESH_ERR_NOMEM;
	for (i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[p->order[i]];
		int rr = 0;

		for (m = 0; m < r->dst_tags.n && rr == 0; m++)
			rr = pol_idx_push(&p->by_dst_tag[r->dst_tags.v[m]], (uint32_t)i);
		if (rr == 0 && r->dst_tagged)
			rr = pol_idx_push(&p->by_dst_tagged, (uint32_t)i);
		if (rr == 0 && (r->dst_self || r->dst_member || r->dst_logins.n))
			rr = pol_idx_push(&p->by_dst_user, (uint32_t)i);
		if (rr != 0)
			return rr;
	}
	p->group_words = (p->groups.n + 63) / 64;
	if (p->group_words == 0)
		return 0;
	if ((p->login_groups = calloc(p->logins.n * p->group_words + 1, sizeof(uint64_t))) == NULL)
		return MESH_ERR_NOMEM;
	for (g = 0; g < p->ngroup_members; g++)
		for (m = 0; m < p->group_members[g].n; m++) {
			l = p->group_members[g].v[m];
			p->login_groups[l * p->group_words + g / 64] |= 1ULL << (g % 64);
		}
	return 0;
}

int
policy_parse(const char *buf, size_t len, struct policy **out, struct mesh_error *err)
{
	struct pol_field f[POL_NTOP];
	bool ignored[POL_NTOP];
	struct pol_ctx c = {0};
	json_t *root = NULL;
	size_t i;
	int r;

	*out = NULL;
	mesh_error_clear(err);
	c.err = err;
	if ((root = hujson_parse(buf, len, err)) == NULL)
		return err ? err->code : MESH_ERR_PARSE;
	if ((c.text = malloc(len + 1)) == NULL) {
		r = MESH_ERR_NOMEM;
		goto out;
	}
	memcpy(c.text, buf, len);
	c.text[len] = '\0';
	c.len = len;
	if ((r = hujson_standardize(c.text, len, err)) != 0)
		goto out;
	if ((c.p = calloc(1, sizeof(*c.p))) == NULL) {
		r = MESH_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < POL_NTOP; i++) {
		f[i] = (struct pol_field){pol_top_keys[i], NULL, NULL};
		ignored[i] = i >= T_IGNORED;
	}
	if (!json_is_object(root)) {
		r = pol_fail(&c, MESH_ERR_PARSE, "a policy file is a JSON object");
		goto out;
	}
	if ((r = pol_fields(&c, root, f, POL_NTOP, ignored)) != 0)
		goto out;
	for (i = T_GROUPS; i < T_IGNORED; i++) {
		if (f[i].val == NULL)
			continue;
		pol_push_key(&c, f[i].key);
		switch (i) {
		case T_GROUPS:
			r = pol_parse_groups(&c, f[i].val);
			break;
		case T_TAGOWNERS:
			r = pol_parse_tag_owners(&c, f[i].val);
			break;
		case T_HOSTS:
			r = pol_parse_hosts(&c, f[i].val);
			break;
		case T_SSH:
			r = pol_parse_ssh(&c, f[i].val);
			break;
		default:
			r = pol_parse_tests(&c, f[i].val);
			break;
		}
		if (r != 0)
			goto out;
		pol_pop(&c);
	}
	if ((r = pol_finish(c.p)) != 0)
		goto out;
	*out = c.p;
	c.p = NULL;
out:
	if (r == MESH_ERR_NOMEM)
		mesh_error_set(err, r, 0, 0, "out of memory");
	policy_free(c.p);
	free(c.text);
	json_decref(root);
	return r;
}

static void
pol_rule_free(struct pol_rule *r)
{
	free(r->src_logins.v);
	free(r->src_groups.v);
	free(r->src_tags.v);
	free(r->dst_logins.v);
	free(r->dst_tags.v);
	free(r->users_literal.v);
	pol_strv_free(r->localpart_domains);
	pol_strv_free(r->accept_env);
	pol_strv_free(r->recorders);
}

void
policy_free(struct policy *p)
{
	size_t i, k;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		pol_rule_free(&p->rules[i]);
	free(p->rules);
	free(p->order);
	for (i = 0; p->by_dst_tag && i < p->tags.n; i++)
		free(p->by_dst_tag[i].v);
	free(p->by_dst_tag);
	free(p->by_dst_tagged.v);
	free(p->by_dst_user.v);
	for (i = 0; i < p->ntests; i++) {
		free(p->tests[i].src);
		pol_strv_free(p->tests[i].dst);
		free(p->tests[i].dst_pos);
		for (k = 0; k < 3; k++) {
			pol_strv_free(p->tests[i].users[k]);
			free(p->tests[i].pos[k]);
		}
	}
	free(p->tests);
	for (i = 0; i < p->nhosts; i++) {
		free(p->hosts[i].name);
		free(p->hosts[i].addr);
	}
	free(p->hosts);
	for (i = 0; i < p->ngroup_members; i++)
		free(p->group_members[i].v);
	free(p->group_members);
	free(p->login_groups);
	pol_strtab_free(&p->logins);
	pol_strtab_free(&p->tags);
	pol_strtab_free(&p->groups);
	pol_strtab_free(&p->hostusers);
	free(p);
}

size_t
policy_rule_count(const struct policy *p)
{
	return p ? p->nrules : 0;
}

size_t
policy_test_count(const struct policy *p)
{
	return p ? p->ntests : 0;
}
