/*
 * meshctl users: the provisioned host accounts (man/meshssh-userdb.5).
 *   users list            every account: uid, name, state, login, groups
 *   users show KEY        one account by name, login or IdP id
 *   users remove KEY      deprovision: the entry stays (files keep their
 *                         owner's name, the uid is never reused), the account
 *                         is locked with a nologin shell and no groups, and
 *                         pam_mesh refuses it everywhere
 *   users restore KEY     undo a removal: meshsshd lets the person in again
 *                         (groups come back from the netmap at that login)
 * Provisioning settings (home base, shell, uid range) come from the
 * Provision* keywords of meshsshd.conf (-f FILE to read another).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "meshctl.h"
#include "provision.h"

#define MESHSSHD_CONF_DEFAULT SYSCONFDIR "/meshssh/meshsshd.conf"

static int users_list(int argc, char **argv);
static int users_show(int argc, char **argv);
static int users_remove(int argc, char **argv);
static int users_restore(int argc, char **argv);

const struct meshctl_cmd meshctl_cmds_users[] = {
    {"users list", "[-f meshsshd.conf]", "list provisioned host accounts", users_list},
    {"users show", "[-f meshsshd.conf] NAME|LOGIN|ID", "show one provisioned account", users_show},
    {"users remove", "[-f meshsshd.conf] NAME|LOGIN|ID",
	"deprovision an account (entry and files kept, login refused)", users_remove},
    {"users restore", "[-f meshsshd.conf] NAME|LOGIN|ID", "undo users remove", users_restore},
    {NULL, NULL, NULL, NULL},
};

static int
conf_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	int r = provision_conf_keyword(ctx, l, err);

	if (r == MESH_ERR_NOTFOUND) {
		mesh_error_clear(err);
		return MESH_OK; /* meshsshd's other keywords are not ours to judge */
	}
	return r;
}

/* Parse -f, load the config; *rest is the first operand. */
static int
users_setup(const char *cmd, int argc, char **argv, struct provision_conf *c, int *rest)
{
	const char *path = MESHSSHD_CONF_DEFAULT;
	bool explicit_path = false;
	struct mesh_error err;
	char msg[512];
	int opt, r;

	optind = 1;
	while ((opt = getopt(argc, argv, "f:")) != -1) {
		if (opt != 'f')
			return meshctl_usage(cmd);
		path = optarg;
		explicit_path = true;
	}
	provision_conf_init(c);
	mesh_error_clear(&err);
	r = conf_load(path, conf_line, c, &err);
	if (r == MESH_ERR_NOTFOUND && !explicit_path)
		r = MESH_OK; /* defaults */
	if (r != 0) {
		meshctl_err("%s", mesh_error_format(&err, msg, sizeof(msg)));
		provision_conf_free(c);
		return MESHCTL_EXIT_FAIL;
	}
	*rest = optind;
	return MESHCTL_EXIT_OK;
}

static void
print_account(const struct provision_account *a, bool long_form)
{
	if (!long_form) {
		printf("%-6u %-20s %-8s %-32s %s\n", a->uid, a->name,
		    a->removed ? "removed" : "active", a->login, a->groups[0] ? a->groups : "-");
		return;
	}
	printf("name:   %s\nuid:    %u\ngid:    %u\nstate:  %s\nlogin:  %s\nid:     %s\n"
	       "groups: %s\n",
	    a->name, a->uid, a->uid, a->removed ? "removed (login refused)" : "active", a->login,
	    a->id, a->groups[0] ? a->groups : "-");
}

static int
load(struct provision_conf *c, struct provision_account **a, size_t *n)
{
	struct mesh_error err;
	char msg[512];

	mesh_error_clear(&err);
	if (provision_list(c, a, n, &err) != 0) {
		meshctl_err("users: %s", mesh_error_format(&err, msg, sizeof(msg)));
		return MESHCTL_EXIT_FAIL;
	}
	return MESHCTL_EXIT_OK;
}

static int
users_list(int argc, char **argv)
{
	struct provision_conf c;
	struct provision_account *a = NULL;
	size_t n = 0, i;
	int rest, r;

	if ((r = users_setup("users list", argc, argv, &c, &rest)) != 0)
		return r;
	if (rest != argc) {
		provision_conf_free(&c);
		return meshctl_usage("users list");
	}
	if ((r = load(&c, &a, &n)) == 0) {
		printf("%-6s %-20s %-8s %-32s %s\n", "UID", "NAME", "STATE", "LOGIN", "GROUPS");
		for (i = 0; i < n; i++)
			print_account(&a[i], false);
	}
	provision_accounts_free(a, n);
	provision_conf_free(&c);
	return r;
}

static int
users_show(int argc, char **argv)
{
	struct provision_conf c;
	struct provision_account *a = NULL;
	size_t n = 0, i, hits = 0;
	int rest, r;

	if ((r = users_setup("users show", argc, argv, &c, &rest)) != 0)
		return r;
	if (rest != argc - 1) {
		provision_conf_free(&c);
		return meshctl_usage("users show");
	}
	if ((r = load(&c, &a, &n)) == 0) {
		for (i = 0; i < n; i++)
			if (strcmp(a[i].name, argv[rest]) == 0 ||
			    strcmp(a[i].login, argv[rest]) == 0 ||
			    strcmp(a[i].id, argv[rest]) == 0) {
				if (hits++)
					putchar('\n');
				print_account(&a[i], true);
			}
		if (hits == 0) {
			meshctl_err("users show: no mesh account '%s'", argv[rest]);
			r = MESHCTL_EXIT_FAIL;
		}
	}
	provision_accounts_free(a, n);
	provision_conf_free(&c);
	return r;
}

/* users remove / users restore: one account changes state. */
static int
users_set_state(const char *cmd, int argc, char **argv, bool remove)
{
	struct provision_conf c;
	struct mesh_error err;
	char msg[512];
	int rest, r;

	if ((r = users_setup(cmd, argc, argv, &c, &rest)) != 0)
		return r;
	if (rest != argc - 1) {
		provision_conf_free(&c);
		return meshctl_usage(cmd);
	}
	mesh_error_clear(&err);
	r = remove ? provision_remove(&c, argv[rest], &err)
		   : provision_restore(&c, argv[rest], &err);
	if (r != 0) {
		meshctl_err("%s: %s", cmd, mesh_error_format(&err, msg, sizeof(msg)));
		r = MESHCTL_EXIT_FAIL;
	} else if (remove) {
		printf("%s: deprovisioned (entry and files kept, login refused)\n", argv[rest]);
	} else {
		printf("%s: restored (groups follow the netmap at the next login)\n", argv[rest]);
	}
	provision_conf_free(&c);
	return r;
}

static int
users_remove(int argc, char **argv)
{
	return users_set_state("users remove", argc, argv, true);
}

static int
users_restore(int argc, char **argv)
{
	return users_set_state("users restore", argc, argv, false);
}
