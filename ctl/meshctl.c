/*
 * meshctl: the operator's tool.  This file only dispatches; each command
 * family lives in its own ctl/cmd_*.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "meshctl.h"

/*
 * Every command family, declared weak so that a family whose file is not
 * linked (yet) is simply absent rather than a link error.
 */
#define MESHCTL_FAMILY(name) extern const struct meshctl_cmd name[] __attribute__((weak))
MESHCTL_FAMILY(meshctl_cmds_keys);
MESHCTL_FAMILY(meshctl_cmds_netmap);
MESHCTL_FAMILY(meshctl_cmds_policy);
MESHCTL_FAMILY(meshctl_cmds_users);
MESHCTL_FAMILY(meshctl_cmds_recordings);
MESHCTL_FAMILY(meshctl_cmds_status);
extern const struct meshctl_cmd meshctl_cmds_base[];

static const struct meshctl_cmd *const meshctl_families[] = {
    meshctl_cmds_base,
    meshctl_cmds_keys,
    meshctl_cmds_netmap,
    meshctl_cmds_policy,
    meshctl_cmds_users,
    meshctl_cmds_recordings,
    meshctl_cmds_status,
};
#define MESHCTL_NFAMILIES (sizeof(meshctl_families) / sizeof(meshctl_families[0]))

static int meshctl_help(int argc, char **argv);

const struct meshctl_cmd meshctl_cmds_base[] = {
    {"help", "", "list commands", meshctl_help},
    {"version", "", "print the version", NULL},
    {NULL, NULL, NULL, NULL},
};

void
meshctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("meshctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
meshctl_print_usage(FILE *f, const struct meshctl_cmd *c)
{
	fprintf(
	    f, "  meshctl %s%s%s\n      %s\n", c->name, c->usage[0] ? " " : "", c->usage, c->help);
}

int
meshctl_usage(const char *name)
{
	const struct meshctl_cmd *const *fam;
	const struct meshctl_cmd *c;

	for (fam = meshctl_families; fam < meshctl_families + MESHCTL_NFAMILIES; fam++)
		if (*fam != NULL)
			for (c = *fam; c->name; c++)
				if (strcmp(c->name, name) == 0) {
					fputs("usage:\n", stderr);
					meshctl_print_usage(stderr, c);
				}
	return MESHCTL_EXIT_USAGE;
}

static int
meshctl_help(int argc, char **argv)
{
	const struct meshctl_cmd *const *fam;
	const struct meshctl_cmd *c;

	(void)argc;
	(void)argv;
	printf("usage: meshctl COMMAND [ARGS]\ncommands:\n");
	for (fam = meshctl_families; fam < meshctl_families + MESHCTL_NFAMILIES; fam++)
		if (*fam != NULL)
			for (c = *fam; c->name; c++)
				meshctl_print_usage(stdout, c);
	return MESHCTL_EXIT_OK;
}

/* Does "netmap sign" match argv = {"netmap", "sign", ...}?  Returns words used. */
static int
meshctl_match(const char *name, int argc, char **argv)
{
	char buf[64];
	char *save = NULL, *w;
	int i = 0;

	if (snprintf(buf, sizeof(buf), "%s", name) >= (int)sizeof(buf))
		return 0;
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save), i++)
		if (i >= argc || strcmp(argv[i], w) != 0)
			return 0;
	return i;
}

int
main(int argc, char **argv)
{
	const struct meshctl_cmd *const *fam;
	const struct meshctl_cmd *c, *best = NULL;
	int used, best_used = 0;

	if (argc < 2) {
		meshctl_help(0, NULL);
		return MESHCTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("meshctl %s\n", PACKAGE_VERSION);
		return MESHCTL_EXIT_OK;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return meshctl_help(0, NULL);
	for (fam = meshctl_families; fam < meshctl_families + MESHCTL_NFAMILIES; fam++)
		if (*fam != NULL)
			for (c = *fam; c->name; c++)
				if (c->run &&
				    (used = meshctl_match(c->name, argc - 1, argv + 1)) >
					best_used) {
					best = c;
					best_used = used;
				}
	if (best == NULL) {
		meshctl_err("unknown command '%s' (try 'meshctl help')", argv[1]);
		return MESHCTL_EXIT_USAGE;
	}
	return best->run(argc - best_used, argv + best_used);
}
