/*
 * Keeping meshd's peers in step with the verified netmap (see netmap_sync.h).
 * Peers are changed through uapi_set(), the same code path as `wg set`, so
 * a netmap peer behaves exactly like one configured by hand.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "daemon.h"
#include "error.h"
#include "log.h"
#include "meshd_config.h"
#include "hostsdb.h"
#include "netmap.h"
#include "netmap_sync.h"
#include "peer.h"
#include "trust.h"

#define MESH_V4_PREFIX 10 /* 100.64.0.0/10 */
#define MESH_V6_PREFIX 48 /* fd7a:115c:a1e0::/48 */

struct netmap_sync {
	char path[MESHD_PATH_MAX];
	char sigpath[MESHD_PATH_MAX + 8];
	char trusted[MESHD_PATH_MAX];
	char node_name[256];
	bool want_addresses; /* no Address keyword: take ours from the netmap */
	bool addresses_set;
	uint64_t last_serial;
	struct netmap *nm; /* the one in force */
};

struct netmap_sync *
netmap_sync_new(const struct meshd_config *cfg, struct meshd *d)
{
	struct netmap_sync *s;

	(void)d;
	if (!cfg->netmap_file[0]) {
		log_error("NetmapURL is not supported by this build; use NetmapFile");
		return NULL;
	}
	if (!cfg->trusted_keys_file[0] || !cfg->node_name[0]) {
		log_error("NetmapFile needs TrustedKeysFile and NodeName");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	snprintf(s->path, sizeof(s->path), "%s", cfg->netmap_file);
	if (cfg->netmap_signature_file[0])
		snprintf(s->sigpath, sizeof(s->sigpath), "%s", cfg->netmap_signature_file);
	else
		snprintf(s->sigpath, sizeof(s->sigpath), "%s.sig", cfg->netmap_file);
	snprintf(s->trusted, sizeof(s->trusted), "%s", cfg->trusted_keys_file);
	snprintf(s->node_name, sizeof(s->node_name), "%s", cfg->node_name);
	s->want_addresses = cfg->naddresses == 0;
	return s;
}

void
netmap_sync_free(struct netmap_sync *s)
{
	if (!s)
		return;
	netmap_free(s->nm);
	free(s);
}

/* A growing request text for uapi_set(). */
struct req {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void req_printf(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void
req_printf(struct req *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(
		    r->buf ? r->buf + r->len : NULL, r->buf ? r->cap - r->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			r->oom = true;
			return;
		}
		if (r->buf && (size_t)n < r->cap - r->len) {
			r->len += (size_t)n;
			return;
		}
		size_t ncap = (r->cap ? r->cap * 2 : 1024) + (size_t)n;
		char *nb = realloc(r->buf, ncap);
		if (!nb) {
			r->oom = true;
			return;
		}
		r->buf = nb;
		r->cap = ncap;
	}
}

static void
req_key(struct req *r, const uint8_t key[WG_KEY_LEN])
{
	char hex[2 * WG_KEY_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), key, WG_KEY_LEN);
	req_printf(r, "public_key=%s\n", hex);
}

/* One peer's full settings; the endpoint only if with_endpoint. */
static void
req_node(struct req *r, const struct netmap_node *n, bool with_endpoint)
{
	char a[NETMAP_ADDR_TEXT_MAX];
	size_t i;

	req_key(r, n->key);
	req_printf(r, "replace_allowed_ips=true\n");
	for (i = 0; i < n->naddrs; i++)
		if (netmap_addr_format(&n->addrs[i], a, sizeof(a)) == 0)
			req_printf(
			    r, "allowed_ip=%s/%u\n", a, n->addrs[i].family == AF_INET ? 32u : 128u);
	if (with_endpoint && n->nendpoints > 0)
		req_printf(r, "endpoint=%s\n", n->endpoints[0]);
	req_printf(r, "persistent_keepalive_interval=0\n");
}

static void
assign_addresses(struct meshd *d, struct netmap_sync *s, const struct netmap_node *self)
{
	char a[NETMAP_ADDR_TEXT_MAX];
	size_t i;
	bool ok = true;

	for (i = 0; i < self->naddrs; i++) {
		const struct netmap_addr *ad = &self->addrs[i];
		unsigned prefix = ad->family == AF_INET ? MESH_V4_PREFIX : MESH_V6_PREFIX;

		if (tun_add_address(d->ifname, ad->family, ad->bytes, prefix) != 0) {
			ok = false;
			continue;
		}
		if (netmap_addr_format(ad, a, sizeof(a)) == 0)
			log_info("%s: address %s/%u from the netmap", d->ifname, a, prefix);
	}
	s->addresses_set = ok;
}

/* Node names for libnss_mesh (lib/hostsdb.h); a failure leaves the tunnel as it is. */
static void
netmap_sync_publish_hosts(const struct netmap *nm)
{
	struct mesh_error err;
	char msg[MESH_ERROR_TEXT_MAX + 64];

	mesh_error_clear(&err);
	if (hostsdb_publish(nm, NULL, &err) != 0)
		log_warn("hosts file not written: %s", mesh_error_format(&err, msg, sizeof(msg)));
}

void
netmap_sync_reload(struct meshd *d)
{
	struct netmap_sync *s = d->reload_ctx;
	struct trust_keys *tk = NULL;
	struct netmap *nm = NULL;
	const struct netmap_node *self;
	struct mesh_error err;
	struct wg_peer *p, *next;
	struct req r = {NULL, 0, 0, false};
	char msg[512];
	size_t i, added = 0, removed = 0;
	int rc;

	if (!s)
		return;
	mesh_error_clear(&err);
	if (snprintf(err.source, sizeof(err.source), "%s", s->trusted) >= (int)sizeof(err.source))
		err.source[0] = '\0';
	if (trust_keys_load(s->trusted, &tk, &err) != 0) {
		log_error("netmap not applied: %s", mesh_error_format(&err, msg, sizeof(msg)));
		return;
	}
	mesh_error_clear(&err);
	if (snprintf(err.source, sizeof(err.source), "%s", s->path) >= (int)sizeof(err.source))
		err.source[0] = '\0';
	rc = netmap_load(s->path, s->sigpath, tk, s->last_serial, (int64_t)time(NULL), &nm, &err);
	trust_keys_free(tk);
	if (rc != 0) {
		log_error("netmap not applied: %s", mesh_error_format(&err, msg, sizeof(msg)));
		return;
	}
	if ((self = netmap_node_by_name(nm, s->node_name)) == NULL) {
		log_error("netmap not applied: %s: serial %llu has no node named %s", s->path,
		    (unsigned long long)nm->serial, s->node_name);
		netmap_free(nm);
		return;
	}
	if (d->dev.id.has_private &&
	    sodium_memcmp(d->dev.id.public_key, self->key, WG_KEY_LEN) != 0)
		log_warn("netmap: node %s's key is not this device's key", s->node_name);

	/* Remove peers that are not (other) nodes of the netmap. */
	for (p = d->dev.peers; p; p = next) {
		const struct netmap_node *n = netmap_node_by_key(nm, p->public_key);

		next = p->next_peer;
		if (n == NULL || n == self) {
			req_key(&r, p->public_key);
			req_printf(&r, "remove=true\n");
			removed++;
		}
	}
	if (r.len && !r.oom)
		uapi_set(d, r.buf, r.len);
	/* Add or update every other node, one at a time so one bad node spoils nothing else. */
	for (i = 0; i < nm->nnodes; i++) {
		const struct netmap_node *n = &nm->nodes[i];

		if (n == self)
			continue;
		r.len = 0;
		req_node(&r, n, true);
		if (r.oom)
			break;
		if ((rc = uapi_set(d, r.buf, r.len)) != 0 && n->nendpoints > 0) {
			log_warn("netmap: node %s: endpoint %s not usable (%s); added without",
			    n->name, n->endpoints[0], strerror(rc));
			r.len = 0;
			req_node(&r, n, false);
			rc = r.oom ? ENOMEM : uapi_set(d, r.buf, r.len);
		}
		if (rc != 0)
			log_warn("netmap: node %s not applied: %s", n->name, strerror(rc));
		else
			added++;
	}
	free(r.buf);
	if (s->want_addresses && !s->addresses_set)
		assign_addresses(d, s, self);
	log_info("netmap serial %llu applied: %zu peers, %zu removed",
	    (unsigned long long)nm->serial, added, removed);
	s->last_serial = nm->serial;
	netmap_free(s->nm);
	s->nm = nm;
	netmap_sync_publish_hosts(nm);
}
