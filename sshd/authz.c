/*
 * whois and policy for meshsshd.  Until lib/netmap and lib/policy land, only
 * the test-build identity (TestIdentity/TestAcceptAll) answers; without it
 * every source is unknown and every connection is closed before SSH starts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"

struct sshd_authz {
	char test_login[SSHD_ID_MAX];
	char test_node[SSHD_ID_MAX];
	bool test_identity;
	bool test_accept_all;
};

int
sshd_authz_load(const struct sshd_config *c, struct sshd_authz **out, struct mesh_error *err)
{
	struct sshd_authz *a = calloc(1, sizeof(*a));

	(void)err;
	if (a == NULL)
		return MESH_ERR_NOMEM;
#ifdef MESH_TEST_BUILD
	if (c->test_id_login != NULL) {
		(void)snprintf(a->test_login, sizeof(a->test_login), "%s", c->test_id_login);
		(void)snprintf(a->test_node, sizeof(a->test_node), "%s", c->test_id_node);
		a->test_identity = true;
	}
	a->test_accept_all = c->test_accept_all;
#else
	(void)c;
#endif
	*out = a;
	return MESH_OK;
}

void
sshd_authz_free(struct sshd_authz *a)
{
	free(a);
}

int
sshd_authz_whois(const struct sshd_authz *a, const struct sockaddr *sa, struct sshd_identity *id)
{
	(void)sa;
	memset(id, 0, sizeof(*id));
	if (!a->test_identity)
		return MESH_ERR_NOTFOUND;
	(void)snprintf(id->login, sizeof(id->login), "%s", a->test_login);
	(void)snprintf(id->node, sizeof(id->node), "%s", a->test_node);
	return MESH_OK;
}

void
sshd_decision_clear(struct sshd_decision *d)
{
	size_t i;

	for (i = 0; d->accept_env[i]; i++)
		free(d->accept_env[i]);
	memset(d, 0, sizeof(*d));
	d->rule = -1;
}

int
sshd_authz_decide(const struct sshd_authz *a, const struct sshd_identity *id, const char *host_user,
    struct sshd_decision *d)
{
	(void)id;
	(void)host_user;
	memset(d, 0, sizeof(*d));
	d->rule = -1;
	if (a->test_accept_all) {
		d->action = SSHD_ACCEPT;
		(void)snprintf(d->reason, sizeof(d->reason), "accepted by TestAcceptAll");
		if ((d->accept_env[0] = strdup("*")) == NULL)
			return MESH_ERR_NOMEM;
		return MESH_OK;
	}
	d->action = SSHD_REJECT;
	(void)snprintf(d->reason, sizeof(d->reason), "no policy rule grants access");
	return MESH_OK;
}
