/*
 * Mesh hosts file: writer (from a netmap) and line parser.  libc only, pure.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "hostsdb.h"

#define HOSTSDB_LABEL_MAX 63

bool
hostsdb_name_valid(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > HOSTSDB_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			(c == '-' && label > 0)))
			return false;
		if (++label > HOSTSDB_LABEL_MAX)
			return false;
	}
	return s[len - 1] != '-';
}

/* A growing text buffer. */
struct textbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void
tb_add(struct textbuf *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t ncap = t->cap ? t->cap : 1024;
		char *np;

		while (ncap < t->len + n + 1)
			ncap *= 2;
		if ((np = realloc(t->p, ncap)) == NULL) {
			t->failed = true;
			return;
		}
		t->p = np;
		t->cap = ncap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void
tb_str(struct textbuf *t, const char *s)
{
	tb_add(t, s, strlen(s));
}

int
hostsdb_format(const struct netmap *nm, const char *domain, char **out, size_t *len)
{
	struct textbuf t = {NULL, 0, 0, false};
	size_t i, j;

	*out = NULL;
	*len = 0;
	tb_str(&t, "# meshssh hosts: written from the verified netmap; do not edit\n");
	for (i = 0; i < nm->nnodes; i++) {
		const struct netmap_node *n = &nm->nodes[i];

		if (n->name == NULL || !hostsdb_name_valid(n->name, strlen(n->name)))
			continue;
		for (j = 0; j < n->naddrs; j++) {
			char a[INET6_ADDRSTRLEN];
			int fam = n->addrs[j].family;

			if ((fam != AF_INET && fam != AF_INET6) ||
			    inet_ntop(fam, n->addrs[j].bytes, a, sizeof(a)) == NULL)
				continue;
			tb_str(&t, a);
			tb_str(&t, " ");
			tb_str(&t, n->name);
			if (domain != NULL && domain[0] != '\0' &&
			    hostsdb_name_valid(domain, strlen(domain))) {
				tb_str(&t, " ");
				tb_str(&t, n->name);
				tb_str(&t, ".");
				tb_str(&t, domain);
			}
			tb_str(&t, "\n");
		}
	}
	if (t.failed) {
		free(t.p);
		return MESH_ERR_NOMEM;
	}
	*out = t.p;
	*len = t.len;
	return MESH_OK;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
hostsdb_parse_line(const char *line, size_t len, struct hostsdb_ent *e)
{
	char abuf[INET6_ADDRSTRLEN];
	size_t i = 0, start;

	memset(e, 0, sizeof(*e));
	while (i < len && is_space(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return MESH_ERR_PARSE;
	start = i;
	while (i < len && !is_space(line[i]))
		i++;
	if (i - start >= sizeof(abuf))
		return MESH_ERR_PARSE;
	memcpy(abuf, line + start, i - start);
	abuf[i - start] = '\0';
	if (inet_pton(AF_INET, abuf, e->addr) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, abuf, e->addr) == 1)
		e->family = AF_INET6;
	else
		return MESH_ERR_PARSE;
	for (;;) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len || line[i] == '#')
			break;
		start = i;
		while (i < len && !is_space(line[i]))
			i++;
		if (!hostsdb_name_valid(line + start, i - start))
			return MESH_ERR_PARSE;
		if (e->nnames == HOSTSDB_NAMES_MAX)
			break;
		e->names[e->nnames] = line + start;
		e->name_lens[e->nnames] = i - start;
		e->nnames++;
	}
	return e->nnames > 0 ? MESH_OK : MESH_ERR_PARSE;
}

bool
hostsdb_ent_has_name(const struct hostsdb_ent *e, const char *name)
{
	size_t n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < e->nnames; i++)
		if (e->name_lens[i] == n && strncasecmp(e->names[i], name, n) == 0)
			return true;
	return false;
}
