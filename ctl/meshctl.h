/*
 * meshctl command families.  Each ctl/cmd_*.c file exports one NULL-terminated
 * table; ctl/meshctl.c dispatches on the first one or two words.
 *
 * Exit codes: MESHCTL_EXIT_OK, MESHCTL_EXIT_FAIL (a check failed: bad
 * signature, failing sshTests, denied), MESHCTL_EXIT_USAGE (bad invocation).
 * Errors go to stderr as one line "meshctl: what: why".
 */
#ifndef MESHCTL_H
#define MESHCTL_H

enum {
	MESHCTL_EXIT_OK = 0,
	MESHCTL_EXIT_FAIL = 1,
	MESHCTL_EXIT_USAGE = 2,
};

struct meshctl_cmd {
	const char *name;  /* "netmap sign", "pubkey" */
	const char *usage; /* arguments after the name */
	const char *help;  /* one line */
	/* argv[0] is the last word of name; options follow */
	int (*run)(int argc, char **argv);
};

void meshctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print usage for one command to stderr and return MESHCTL_EXIT_USAGE. */
int meshctl_usage(const char *name);

#endif
