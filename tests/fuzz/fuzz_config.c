/*
 * Fuzz target for the configuration files root reads at start: the shared
 * tokenizer (lib/conf.c) and its argument helpers, meshsshd.conf with every
 * keyword family it hands on (sshd/sshd_config.c, sshd/record_conf.c, the
 * Provision* keywords of lib/provision.c, the OIDC* keywords of lib/oidc),
 * and meshd.conf (mesh/meshd_config.c).  The first byte picks the parser.
 * Beyond "no crash, no leak": every error is one line, and a config that
 * parses has its derived defaults filled in.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "meshd_config.h"
#include "sshd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_one_line_error(const struct mesh_error *err)
{
	if (memchr(err->text, '\n', strnlen(err->text, sizeof(err->text))) != NULL)
		abort();
}

/* Every argument through every helper: they must not read past nargs. */
static int
fuzz_conf_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	uint64_t v;
	bool b;
	size_t i;

	(void)ctx;
	if (l->keyword == NULL || l->nargs > CONF_MAX_ARGS)
		abort();
	for (i = 0; i <= l->nargs; i++) {
		if (i < l->nargs && l->args[i] == NULL)
			abort();
		(void)conf_arg_bool(l, i, &b, err);
		(void)conf_arg_uint(l, i, 1, 65535, &v, err);
		if (conf_arg_seconds(l, i, &v, err) == 0 && i >= l->nargs)
			abort(); /* a missing argument is not a time */
	}
	(void)conf_want_args(l, 1, true, err);
	mesh_error_clear(err);
	return 0;
}

static void
fuzz_sshd(const char *buf, size_t len)
{
	struct mesh_error err = {0};
	struct sshd_config *c = NULL;

	/* Include reads files the pattern names: not the fuzzer's business */
	for (size_t i = 0; i + 7 <= len; i++)
		if (strncasecmp(buf + i, "include", 7) == 0)
			return;
	if (sshd_config_new(&c) != 0)
		return;
	if (sshd_config_parse(c, buf, len, &err) == 0) {
		if (c->nhost_keys == 0 || c->netmap_sig_file == NULL ||
		    strlen(c->interface) >= 16 || c->nlisten > SSHD_MAX_LISTEN)
			abort();
	} else {
		fuzz_one_line_error(&err);
	}
	sshd_config_free(c);
}

static void
fuzz_meshd(const char *buf, size_t len)
{
	struct mesh_error err = {0};
	struct meshd_config c;

	meshd_config_defaults(&c);
	if (meshd_config_parse(buf, len, &c, &err) == 0) {
		if (c.naddresses > MESHD_MAX_ADDRESSES ||
		    memchr(c.interface, '\0', sizeof(c.interface)) == NULL ||
		    (c.netmap_file[0] && c.netmap_signature_file[0] == '\0'))
			abort();
	} else {
		fuzz_one_line_error(&err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_error err = {0};
	const char *buf = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_sshd(buf, size - 1);
		break;
	case 1:
		fuzz_meshd(buf, size - 1);
		break;
	case 2:
		if (conf_parse(buf, size - 1, fuzz_conf_line, NULL, &err) != 0)
			fuzz_one_line_error(&err);
		break;
	}
	return 0;
}
