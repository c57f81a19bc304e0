/*
 * The environment of a user's session, built as OpenSSH's sshd builds it:
 * USER, LOGNAME, HOME, SHELL, PATH, MAIL, TERM, SSH_CONNECTION, SSH_CLIENT,
 * SSH_TTY, SSH_AUTH_SOCK, plus MESH_LOGIN and MESH_NODE.  Variables the
 * client sent ("env" requests) are kept only when the policy's acceptEnv
 * allows them and never override what the server sets.  Pure: no I/O.
 */
#ifndef MESH_SSHD_SESSION_ENV_H
#define MESH_SSHD_SESSION_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SSHD_ENV_MAX_VARS  256 /* client-sent variables per channel */
#define SSHD_ENV_NAME_MAX  128
#define SSHD_ENV_VALUE_MAX 8192
#define SSHD_PATH_USER	   "/usr/local/bin:/usr/bin:/bin:/usr/games"
#define SSHD_PATH_ROOT	   "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A list of "NAME=value" strings, NULL-terminated in v. */
struct sshd_env {
	char **v;
	size_t n, cap;
};

void sshd_env_init(struct sshd_env *e);
void sshd_env_clear(struct sshd_env *e);
/* Set or replace NAME. */
int sshd_env_set(struct sshd_env *e, const char *name, const char *value);
/* "NAME=value" (from PAM): set unless NAME is already present and keep is true. */
int sshd_env_put(struct sshd_env *e, const char *nv, bool keep);
const char *sshd_env_get(const struct sshd_env *e, const char *name);

/* A portable variable name: [A-Za-z_][A-Za-z0-9_]*, bounded. */
bool sshd_env_name_valid(const char *name);
/*
 * A user name a client may ask for: 1..SSHD_USER_NAME_MAX printable ASCII
 * bytes without ':', '/', ',' or a leading '-', and not "." or ".." (what
 * useradd and systemd accept, and nothing that could split a passwd line, a
 * path or an option).  Anything else is refused before the policy runs.
 */
#define SSHD_USER_NAME_MAX 255 /* LOGIN_NAME_MAX - 1 */
bool sshd_user_name_valid(const char *name);
/* Does name match one of the NULL-terminated patterns ('*' and '?' wildcards)? */
bool sshd_env_accepted(const char *const *patterns, const char *name);

struct sshd_env_params {
	const char *user, *home, *shell;
	uid_t uid;
	const char *tty;  /* "/dev/pts/3" or NULL */
	const char *term; /* from the pty request, or NULL */
	const char *client_addr, *server_addr;
	unsigned client_port, server_port;
	const char *mesh_login, *mesh_node;
	const char *auth_sock;	       /* SSH_AUTH_SOCK or NULL */
	const struct sshd_env *client; /* accepted client variables, or NULL */
	char *const *pam_env;	       /* pam_getenvlist(), or NULL */
};

/* Build the session environment into out (initialised by the caller). */
int sshd_env_build(const struct sshd_env_params *p, struct sshd_env *out);

#endif
