/*
 * Small helpers shared by meshctl's command files: one-line error reports
 * from a struct mesh_error, and repeated command-line options.
 */
#ifndef MESHCTL_CMD_UTIL_H
#define MESHCTL_CMD_UTIL_H

#include <stddef.h>

#include "error.h"

/* "meshctl: WHAT: SOURCE:LINE:COL: TEXT" on stderr (parts omitted when unknown). */
void meshctl_report(const char *what, const struct mesh_error *err);

/* A list of option values (--tag a --tag b), sized for argc entries. */
struct meshctl_list {
	char **v;
	size_t n;
};
int meshctl_list_init(struct meshctl_list *l, int argc);
void meshctl_list_add(struct meshctl_list *l, char *value);
void meshctl_list_free(struct meshctl_list *l);

#endif
