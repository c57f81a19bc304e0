/*
 * Session environment: the client's accepted variables go in first and PAM's
 * next, then the server's own variables replace any of the same name, so a
 * client can never set USER, PATH or SSH_CONNECTION behind the server's back.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "session_env.h"

#define SSHD_ENV_INITIAL_CAP 32
#define SSHD_PORT_STR_MAX    8

void
sshd_env_init(struct sshd_env *e)
{
	memset(e, 0, sizeof(*e));
}

void
sshd_env_clear(struct sshd_env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	sshd_env_init(e);
}

static ssize_t
sshd_env_find(const struct sshd_env *e, const char *name, size_t nlen)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, nlen) == 0 && e->v[i][nlen] == '=')
			return (ssize_t)i;
	return -1;
}

static int
sshd_env_store(struct sshd_env *e, char *nv, size_t nlen)
{
	ssize_t at = sshd_env_find(e, nv, nlen);

	if (at >= 0) {
		free(e->v[at]);
		e->v[at] = nv;
		return MESH_OK;
	}
	if (e->n + 1 >= e->cap) {
		size_t cap = e->cap ? e->cap * 2 : SSHD_ENV_INITIAL_CAP;
		char **v = realloc(e->v, cap * sizeof(*v));

		if (v == NULL) {
			free(nv);
			return MESH_ERR_NOMEM;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = nv;
	e->v[e->n] = NULL;
	return MESH_OK;
}

int
sshd_env_set(struct sshd_env *e, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);
	char *nv = malloc(nlen + vlen + 2);

	if (nv == NULL)
		return MESH_ERR_NOMEM;
	memcpy(nv, name, nlen);
	nv[nlen] = '=';
	memcpy(nv + nlen + 1, value, vlen + 1);
	return sshd_env_store(e, nv, nlen);
}

int
sshd_env_put(struct sshd_env *e, const char *nv, bool keep)
{
	const char *eq = strchr(nv, '=');
	char *copy;

	if (eq == NULL || eq == nv)
		return MESH_ERR_INVALID;
	if (keep && sshd_env_find(e, nv, (size_t)(eq - nv)) >= 0)
		return MESH_OK;
	if ((copy = strdup(nv)) == NULL)
		return MESH_ERR_NOMEM;
	return sshd_env_store(e, copy, (size_t)(eq - nv));
}

const char *
sshd_env_get(const struct sshd_env *e, const char *name)
{
	ssize_t at = sshd_env_find(e, name, strlen(name));

	return at < 0 ? NULL : e->v[at] + strlen(name) + 1;
}

bool
sshd_user_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '-' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; name[i]; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (i >= SSHD_USER_NAME_MAX || ch <= ' ' || ch >= 0x7f || ch == ':' || ch == '/' ||
		    ch == ',')
			return false;
	}
	return true;
}

bool
sshd_env_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; name[i]; i++) {
		char ch = name[i];

		if (i >= SSHD_ENV_NAME_MAX)
			return false;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			(ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

bool
sshd_env_accepted(const char *const *patterns, const char *name)
{
	size_t i;

	if (patterns == NULL || !sshd_env_name_valid(name))
		return false;
	for (i = 0; patterns[i]; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return true;
	return false;
}

int
sshd_env_build(const struct sshd_env_params *p, struct sshd_env *out)
{
	char buf[SSHD_ENV_VALUE_MAX];
	size_t i;
	int r;

	if (p->client)
		for (i = 0; i < p->client->n; i++)
			if ((r = sshd_env_put(out, p->client->v[i], false)) != 0)
				return r;
	if (p->pam_env)
		for (i = 0; p->pam_env[i]; i++)
			if ((r = sshd_env_put(out, p->pam_env[i], false)) != 0 &&
			    r != MESH_ERR_INVALID)
				return r;
	if ((r = sshd_env_set(out, "USER", p->user)) != 0 ||
	    (r = sshd_env_set(out, "LOGNAME", p->user)) != 0 ||
	    (r = sshd_env_set(out, "HOME", p->home)) != 0 ||
	    (r = sshd_env_set(out, "SHELL", p->shell)) != 0)
		return r;
	/* PAM (pam_env) may set PATH; sshd keeps it then. */
	if (sshd_env_get(out, "PATH") == NULL || (p->client && sshd_env_get(p->client, "PATH")))
		if ((r = sshd_env_set(
			 out, "PATH", p->uid == 0 ? SSHD_PATH_ROOT : SSHD_PATH_USER)) != 0)
			return r;
	if (snprintf(buf, sizeof(buf), "/var/mail/%s", p->user) >= (int)sizeof(buf))
		return MESH_ERR_RANGE;
	if ((r = sshd_env_set(out, "MAIL", buf)) != 0)
		return r;
	if (p->term && (r = sshd_env_set(out, "TERM", p->term)) != 0)
		return r;
	if (snprintf(buf, sizeof(buf), "%s %u %s %u", p->client_addr, p->client_port,
		p->server_addr, p->server_port) >= (int)sizeof(buf))
		return MESH_ERR_RANGE;
	if ((r = sshd_env_set(out, "SSH_CONNECTION", buf)) != 0)
		return r;
	if (snprintf(buf, sizeof(buf), "%s %u %u", p->client_addr, p->client_port,
		p->server_port) >= (int)sizeof(buf))
		return MESH_ERR_RANGE;
	if ((r = sshd_env_set(out, "SSH_CLIENT", buf)) != 0)
		return r;
	if (p->tty && (r = sshd_env_set(out, "SSH_TTY", p->tty)) != 0)
		return r;
	if (p->auth_sock && (r = sshd_env_set(out, "SSH_AUTH_SOCK", p->auth_sock)) != 0)
		return r;
	if ((r = sshd_env_set(out, "MESH_LOGIN", p->mesh_login)) != 0 ||
	    (r = sshd_env_set(out, "MESH_NODE", p->mesh_node)) != 0)
		return r;
	return MESH_OK;
}
