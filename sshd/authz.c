/*
 * whois and policy for meshsshd.  The netmap is verified against the trusted
 * keys and never goes back in serial across reloads.  This server's own node
 * is NodeName, or the node owning one of its listen/interface addresses.
 * Test builds may replace whois with a fixed identity (TestIdentity) so the
 * daemon can be exercised on loopback without a netmap.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "log.h"
#include "fileio.h"
#include "hostsdb.h"
#include "netmap.h"
#include "policy.h"
#include "trust.h"

#define SSHD_TAGGED_LOGIN     "tagged-devices" /* what Tailscale shows for tagged nodes */
#define SSHD_POLICY_MAX_BYTES (16u * 1024u * 1024u)

struct sshd_authz {
	struct netmap *nm;
	struct policy *policy;
	const struct netmap_node *self;
	bool test_identity;
	bool test_accept_all;
	char test_login[SSHD_ID_MAX];
	char test_node[SSHD_ID_MAX];
};

static bool
sshd_sockaddr_to_netmap(const struct sockaddr *sa, struct netmap_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* NodeName, else the owner of a ListenAddress, else of an interface address. */
static const struct netmap_node *
sshd_authz_find_self(const struct sshd_config *c, const struct netmap *nm)
{
	const struct netmap_node *self = NULL;
	struct ifaddrs *ifa = NULL, *i;
	struct netmap_addr a;
	size_t k;

	if (c->node_name)
		return netmap_node_by_name(nm, c->node_name);
	for (k = 0; k < c->nlisten && self == NULL; k++)
		if (netmap_addr_parse(c->listen[k].host, &a) == 0)
			self = netmap_whois(nm, &a);
	if (self || getifaddrs(&ifa) != 0)
		return self;
	for (i = ifa; i && self == NULL; i = i->ifa_next)
		if (i->ifa_addr && strcmp(i->ifa_name, c->interface) == 0 &&
		    sshd_sockaddr_to_netmap(i->ifa_addr, &a))
			self = netmap_whois(nm, &a);
	freeifaddrs(ifa);
	return self;
}

/* Node names for libnss_mesh (`ssh web-1` without DNS); a failure costs no login. */
static void
sshd_authz_publish_hosts(const struct netmap *nm)
{
	struct mesh_error err;
	char msg[MESH_ERROR_TEXT_MAX + 64];

	mesh_error_clear(&err);
	if (hostsdb_publish(nm, NULL, &err) != 0)
		log_warn("hosts file not written: %s", mesh_error_format(&err, msg, sizeof(msg)));
}

static int
sshd_authz_load_netmap(const struct sshd_config *c, const struct sshd_authz *prev,
    struct sshd_authz *a, struct mesh_error *err)
{
	struct trust_keys *tk = NULL;
	int r;

	if ((r = trust_keys_load(c->trusted_keys_file, &tk, err)) != 0)
		return r;
	r = netmap_load(c->netmap_file, c->netmap_sig_file, tk,
	    prev && prev->nm ? prev->nm->serial : 0, (int64_t)time(NULL), &a->nm, err);
	trust_keys_free(tk);
	if (r != 0)
		return r;
	a->self = sshd_authz_find_self(c, a->nm);
	if (a->self == NULL)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
		    c->node_name ? "NodeName %s is not in the netmap"
				 : "this server is not in the netmap (none of its addresses is a "
				   "node's%s); set NodeName",
		    c->node_name ? c->node_name : "");
	log_verbose("netmap serial %llu: %zu nodes, this server is %s",
	    (unsigned long long)a->nm->serial, a->nm->nnodes, a->self->name);
	sshd_authz_publish_hosts(a->nm);
	return MESH_OK;
}

static int
sshd_authz_load_policy(const struct sshd_config *c, struct sshd_authz *a, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len;
	int r;

	if ((r = mesh_file_read(
		 c->policy_file, SSHD_POLICY_MAX_BYTES, MESH_FILE_TRUSTED, &buf, &len, err)) != 0)
		return r;
	if (err)
		(void)snprintf(err->source, sizeof(err->source), "%s", c->policy_file);
	r = policy_parse((const char *)buf, len, &a->policy, err);
	free(buf);
	if (r == 0)
		log_verbose(
		    "policy %s: %zu ssh rules", c->policy_file, policy_rule_count(a->policy));
	return r;
}

int
sshd_authz_load(const struct sshd_config *c, const struct sshd_authz *prev, struct sshd_authz **out,
    struct mesh_error *err)
{
	struct sshd_authz *a = calloc(1, sizeof(*a));
	int r;

	if (a == NULL)
		return MESH_ERR_NOMEM;
#ifdef MESH_TEST_BUILD
	a->test_accept_all = c->test_accept_all;
	if (c->test_id_login != NULL) {
		/* a fixed identity for loopback tests: no netmap, no policy */
		(void)snprintf(a->test_login, sizeof(a->test_login), "%s", c->test_id_login);
		(void)snprintf(a->test_node, sizeof(a->test_node), "%s", c->test_id_node);
		a->test_identity = true;
		*out = a;
		return MESH_OK;
	}
#endif
	if ((r = sshd_authz_load_netmap(c, prev, a, err)) != 0)
		goto fail;
	if (!a->test_accept_all && (r = sshd_authz_load_policy(c, a, err)) != 0)
		goto fail;
	*out = a;
	return MESH_OK;
fail:
	sshd_authz_free(a);
	return r;
}

void
sshd_authz_free(struct sshd_authz *a)
{
	if (a == NULL)
		return;
	policy_free(a->policy);
	netmap_free(a->nm);
	free(a);
}

int
sshd_authz_whois(
    const struct sshd_authz *a, const struct sockaddr *sa, int64_t now, struct sshd_identity *id)
{
	const struct netmap_node *n;
	struct netmap_addr na;

	memset(id, 0, sizeof(*id));
	if (sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, id->addr,
		    sizeof(id->addr));
	else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, id->addr,
		    sizeof(id->addr));
	if (a->test_identity) {
		(void)snprintf(id->login, sizeof(id->login), "%s", a->test_login);
		(void)snprintf(id->node, sizeof(id->node), "%s", a->test_node);
		return MESH_OK;
	}
	if (a->nm == NULL || !sshd_sockaddr_to_netmap(sa, &na))
		return MESH_ERR_NOTFOUND;
	if (a->nm->expires != 0 && now >= a->nm->expires)
		return MESH_ERR_EXPIRED;
	if ((n = netmap_whois(a->nm, &na)) == NULL)
		return MESH_ERR_NOTFOUND;
	(void)snprintf(id->login, sizeof(id->login), "%s", n->owner ? n->owner : SSHD_TAGGED_LOGIN);
	(void)snprintf(id->node, sizeof(id->node), "%s", n->name);
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
	const struct netmap_node *src;
	struct policy_decision pd;
	size_t i;
	int r;

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
	if (a->policy == NULL || a->nm == NULL ||
	    (src = netmap_node_by_name(a->nm, id->node)) == NULL) {
		(void)snprintf(d->reason, sizeof(d->reason), "no policy or netmap entry");
		return MESH_OK;
	}
	r = policy_decide(a->policy, a->nm, src, a->self, host_user, &pd);
	(void)snprintf(d->reason, sizeof(d->reason), "%s", pd.reason);
	if (r != 0)
		return MESH_OK;
	d->rule = pd.rule;
	d->rule_line = pd.rule_line;
	d->via_nonroot = pd.via_nonroot;
	d->via_localpart = pd.via_localpart;
	d->enforce_recorder = pd.enforce_recorder;
	d->recorder = pd.recorders != NULL && pd.recorders[0] != NULL;
	d->check_period_s = pd.check_period_s;
	for (i = 0; pd.accept_env && pd.accept_env[i] && i < SSHD_ENV_PATTERNS; i++)
		if ((d->accept_env[i] = strdup(pd.accept_env[i])) == NULL) {
			sshd_decision_clear(d);
			return MESH_ERR_NOMEM;
		}
	d->action = pd.action == POLICY_ACCEPT ? SSHD_ACCEPT
	    : pd.action == POLICY_CHECK	       ? SSHD_CHECK
					       : SSHD_REJECT;
	return MESH_OK;
}

const struct netmap_user *
sshd_authz_user(const struct sshd_authz *a, const struct sshd_identity *id)
{
	const struct netmap_node *n;

	if (a->nm == NULL || (n = netmap_node_by_name(a->nm, id->node)) == NULL)
		return NULL;
	return n->user;
}
