/*
 * Fuzz target for provisioning's parsers (lib/provision.c): login names
 * made POSIX names (provision_sanitize_name), and the root-only state file
 * (state_parse, static, so the file is compiled in here).  Invariants: a
 * sanitized name is a valid POSIX name that fits; a state that parses renders
 * to text that parses to the same rendering, and its passwd/group lines parse
 * back through the userdb reader with one entry per account.
 */
#include "provision.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_sanitize(const char *login)
{
	static const size_t outlens[] = {2, 5, 9, USERDB_NAME_MAX + 1};
	char out[USERDB_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(outlens) / sizeof(outlens[0]); i++)
		if (provision_sanitize_name(login, out, outlens[i]) == 0 &&
		    (strlen(out) >= outlens[i] || !posix_name_ok(out)))
			abort();
}

/* Every rendered line must parse back; returns how many lines. */
static size_t
fuzz_userdb_lines(const char *text, size_t len, bool passwd)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text) - pos : len - pos;
		struct userdb_pwent pe;
		struct userdb_grent ge;

		if (passwd ? userdb_parse_pw(text + pos, l, &pe) != 0
			   : userdb_parse_gr(text + pos, l, &ge) != 0)
			abort();
		n++;
		pos += l + 1;
	}
	return n;
}

static void
fuzz_state(const char *data, size_t size)
{
	struct provision_conf c;
	struct mesh_error err = {0};
	struct state s, again;
	struct rendered db = {0};
	char *text, *t1 = NULL, *t2 = NULL;
	size_t l1, l2;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&s, 0, sizeof(s));
	memset(&again, 0, sizeof(again));
	provision_conf_init(&c);
	if (state_parse(text, "accounts", &s, &err) != 0) {
		if (memchr(err.text, '\n', strnlen(err.text, sizeof(err.text))) != NULL)
			abort();
		goto out;
	}
	if (state_render(&s, &t1, &l1) != 0)
		goto out;
	if (state_parse(t1, "accounts", &again, &err) != 0)
		abort(); /* what we write we must read */
	free(t1);
	t1 = NULL;
	if (state_render(&s, &t1, &l1) != 0 || state_render(&again, &t2, &l2) != 0)
		goto out;
	if (l1 != l2 || memcmp(t1, t2, l1) != 0)
		abort();
	if (render_userdb(&c, &s, &db) == 0) {
		/* group: personal and mesh groups; group.system: system groups */
		if (fuzz_userdb_lines(db.pw, db.pwlen, true) != s.na ||
		    fuzz_userdb_lines(db.gr, db.grlen, false) +
			    fuzz_userdb_lines(db.sys, db.syslen, false) !=
			s.na + s.ng)
			abort();
	}
out:
	rendered_free(&db);
	free(t1);
	free(t2);
	state_free(&s);
	state_free(&again);
	provision_conf_free(&c);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *login;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		fuzz_state((const char *)data + 1, size - 1);
		return 0;
	}
	if ((login = malloc(size)) == NULL)
		return 0;
	memcpy(login, data + 1, size - 1);
	login[size - 1] = '\0';
	fuzz_sanitize(login);
	free(login);
	return 0;
}
