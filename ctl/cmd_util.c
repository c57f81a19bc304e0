/*
 * meshctl helpers: error reports and option lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd_util.h"
#include "meshctl.h"

void
meshctl_report(const char *what, const struct mesh_error *err)
{
	char buf[MESH_ERROR_TEXT_MAX + 160];

	if (err->source[0] != '\0')
		meshctl_err("%s: %s", what, mesh_error_format(err, buf, sizeof(buf)));
	else if (err->line != 0)
		meshctl_err("%s: %u:%u: %s", what, err->line, err->col, err->text);
	else
		meshctl_err("%s: %s", what, err->text[0] ? err->text : mesh_strerror(err->code));
}

int
meshctl_list_init(struct meshctl_list *l, int argc)
{
	l->n = 0;
	l->v = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *));
	return l->v == NULL ? MESH_ERR_NOMEM : MESH_OK;
}

void
meshctl_list_add(struct meshctl_list *l, char *value)
{
	l->v[l->n++] = value;
}

void
meshctl_list_free(struct meshctl_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
