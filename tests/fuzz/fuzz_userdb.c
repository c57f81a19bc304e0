/*
 * Fuzz target for the userdb reader (lib/userdb.c) and the mesh hosts line
 * parser (lib/hostsdb.c).  The first byte picks passwd or group; the rest is
 * the file.  Every line is parsed and filled into buffers of several sizes,
 * an index is built and every lookup through it must agree with a scan.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostsdb.h"
#include "userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_groups(const struct userdb_grent *g, void *ctx)
{
	(void)g;
	(*(size_t *)ctx)++;
	return 0;
}

static void
check_lookups(struct userdb_file *f, struct userdb_span line)
{
	struct userdb_pwent pw;
	struct userdb_grent gr;
	struct userdb_span a, b;
	char name[USERDB_NAME_MAX + 1];
	uint32_t id;
	size_t n1 = 0, n2 = 0;
	const uint8_t *idx = f->idx;

	if (f->kind == USERDB_PASSWD) {
		if (userdb_parse_pw(line.p, line.len, &pw) != 0)
			abort();
		memcpy(name, pw.name.p, pw.name.len);
		name[pw.name.len] = '\0';
		id = pw.uid;
	} else {
		if (userdb_parse_gr(line.p, line.len, &gr) != 0)
			abort();
		memcpy(name, gr.name.p, gr.name.len);
		name[gr.name.len] = '\0';
		id = gr.gid;
	}
	/* indexed and scanned lookups find the same first line */
	if (userdb_lookup_name(f, name, &a) != 0 || userdb_lookup_id(f, id, &b) != 0)
		abort();
	f->idx = NULL;
	if (userdb_lookup_name(f, name, &line) != 0 || line.p != a.p)
		abort();
	if (userdb_lookup_id(f, id, &line) != 0 || line.p != b.p)
		abort();
	userdb_groups_of(f, name, count_groups, &n1);
	f->idx = idx;
	userdb_groups_of(f, name, count_groups, &n2);
	if (n1 != n2)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct userdb_file f;
	struct userdb_stamp stamp = {1, 0, 0, 0};
	struct userdb_span line;
	uint8_t *idx = NULL;
	size_t idxlen, pos = 0;
	char *text, buf[512];
	struct passwd pw;
	struct group gr;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	memset(&f, 0, sizeof(f));
	f.kind = data[0] & 1 ? USERDB_GROUP : USERDB_PASSWD;
	f.data = text;
	f.len = size - 1;
	stamp.size = f.len;
	if (userdb_index_build(f.kind, text, f.len, &stamp, &idx, &idxlen) == 0) {
		f.idx = idx;
		f.idx_len = idxlen;
	}
	while (userdb_next(&f, &pos, &line) == 0) {
		struct userdb_pwent pe;
		struct userdb_grent ge;
		size_t sz;

		for (sz = 0; sz <= sizeof(buf); sz += 61) {
			if (f.kind == USERDB_PASSWD && userdb_parse_pw(line.p, line.len, &pe) == 0)
				(void)userdb_fill_passwd(&pe, &pw, buf, sz);
			if (f.kind == USERDB_GROUP && userdb_parse_gr(line.p, line.len, &ge) == 0)
				(void)userdb_fill_group(&ge, &gr, buf, sz);
		}
		if (f.idx != NULL)
			check_lookups(&f, line);
	}
	/* the same bytes as hosts lines */
	for (pos = 0; pos < f.len;) {
		const char *nl = memchr(text + pos, '\n', f.len - pos);
		size_t l = nl ? (size_t)(nl - text) - pos : f.len - pos;
		struct hostsdb_ent e;

		if (hostsdb_parse_line(text + pos, l, &e) == 0)
			(void)hostsdb_ent_has_name(&e, "web-1");
		pos += l + 1;
	}
	free(idx);
	free(text);
	return 0;
}
