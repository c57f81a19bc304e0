/*
 * Scaffolding shared by the meshsshd.conf unit tests (test_sshd_config.c,
 * test_sshd_record_conf.c): parse a text into a fresh config, and run a
 * table of bad texts that must be refused with the line and words expected.
 */
#ifndef MESH_TEST_SSHD_CONFIG_FIXTURE_H
#define MESH_TEST_SSHD_CONFIG_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "sshd_config.h"
#include "tap.h"

#define SSHD_TEST_NAME_MAX 128

struct sshd_bad_case {
	const char *text;
	unsigned line;	    /* the line the error must name */
	const char *needle; /* words the message must contain */
};

/* A fresh config with text parsed into it (*out is set even on error). */
static inline int
sshd_test_parse(const char *text, struct sshd_config **out, struct mesh_error *err)
{
	int r;

	mesh_error_clear(err);
	if ((r = sshd_config_new(out)) != 0)
		return r;
	return sshd_config_parse(*out, text, strlen(text), err);
}

/* Three assertions per case: refused, on its line, with its words. */
static inline void
sshd_test_bad_cases(const struct sshd_bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sshd_config *c = NULL;
		struct mesh_error err;
		char name[SSHD_TEST_NAME_MAX];
		char *nl;

		(void)snprintf(name, sizeof(name), "rejects %.40s", cases[i].text);
		while ((nl = strchr(name, '\n')) != NULL)
			*nl = ' ';
		ok(sshd_test_parse(cases[i].text, &c, &err) < 0, name);
		(void)snprintf(name, sizeof(name), "error line %u for case %zu", cases[i].line, i);
		is_int(err.line, cases[i].line, name);
		(void)snprintf(name, sizeof(name), "message mentions \"%s\"", cases[i].needle);
		if (!ok(strstr(err.text, cases[i].needle) != NULL, name))
			printf("#   message: %s\n", err.text);
		sshd_config_free(c);
	}
}

#endif
