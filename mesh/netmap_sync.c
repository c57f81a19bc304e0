/*
 * Keeping meshd's peers in step with the verified netmap (see netmap_sync.h).
 * Peers are changed through uapi_set(), the same code path as `wg set`, so
 * a netmap peer behaves exactly like one configured by hand.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
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
#include "fileio.h"
#include "hostsdb.h"
#include "log.h"
#include "meshd_config.h"
#include "netmap.h"
#include "netmap_fetch.h"
#include "netmap_sync.h"
#include "peer.h"
#include "trust.h"

#define MESH_V4_PREFIX 10   /* 100.64.0.0/10 */
#define MESH_V6_PREFIX 48   /* fd7a:115c:a1e0::/48 */
#define CACHE_MODE     0644 /* meshsshd and NSS read the cached netmap */

struct netmap_sync {
	char path[MESHD_PATH_MAX];
	char sigpath[MESHD_PATH_MAX + 8];
	char trusted[MESHD_PATH_MAX];
	char state[MESHD_PATH_MAX]; /* last accepted serial */
	char cache[MESHD_PATH_MAX]; /* NetmapURL: verified copy */
	char cache_sig[MESHD_PATH_MAX + 8];
	char node_name[256];
	bool want_addresses; /* no Address keyword: take ours from the netmap */
	struct netmap_addr self_addrs[MESHD_MAX_ADDRESSES]; /* ours, as assigned */
	size_t nself_addrs;
	bool addresses_set;
	struct netmap_fetch *fetch; /* NetmapURL; NULL for NetmapFile */
	bool cache_tried;
	char etag[NETMAP_FETCH_ETAG_MAX]; /* of the document in force */
	uint8_t doc_hash[crypto_generichash_BYTES];
	/* the last refused fetch, so a server that keeps serving it is logged once */
	uint8_t refused_hash[crypto_generichash_BYTES];
	char fetch_error[MESH_ERROR_TEXT_MAX];
	struct netmap *nm; /* the one in force */
};

static void netmap_sync_fetched(struct meshd *d);

static void
copy_path(char *dst, size_t cap, const char *src, const char *suffix)
{
	if (snprintf(dst, cap, "%s%s", src, suffix) >= (int)cap)
		dst[0] = '\0';
}

struct netmap_sync *
netmap_sync_new(const struct meshd_config *cfg, struct meshd *d)
{
	struct netmap_sync *s;
	struct mesh_error err;
	char msg[512];

	if (!cfg->trusted_keys_file[0] || !cfg->node_name[0]) {
		log_error("a netmap needs TrustedKeysFile and NodeName");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	copy_path(s->path, sizeof(s->path), cfg->netmap_file, "");
	if (cfg->netmap_signature_file[0])
		copy_path(s->sigpath, sizeof(s->sigpath), cfg->netmap_signature_file, "");
	else
		copy_path(s->sigpath, sizeof(s->sigpath), cfg->netmap_file, ".sig");
	copy_path(s->trusted, sizeof(s->trusted), cfg->trusted_keys_file, "");
	copy_path(s->state, sizeof(s->state), cfg->netmap_state_file, "");
	copy_path(s->cache, sizeof(s->cache), cfg->netmap_cache, "");
	copy_path(s->cache_sig, sizeof(s->cache_sig), cfg->netmap_cache, ".sig");
	copy_path(s->node_name, sizeof(s->node_name), cfg->node_name, "");
	s->want_addresses = cfg->naddresses == 0;
	if (cfg->netmap_url[0]) {
		mesh_error_clear(&err);
		if ((s->fetch = netmap_fetch_new(cfg->netmap_url, cfg->netmap_signature_url,
			 cfg->netmap_ca_file, &err)) == NULL ||
		    meshd_watch_fd(d, netmap_fetch_fd(s->fetch), netmap_sync_fetched) != 0) {
			log_error("NetmapURL: %s", mesh_error_format(&err, msg, sizeof(msg)));
			netmap_sync_free(s);
			return NULL;
		}
	}
	return s;
}

void
netmap_sync_free(struct netmap_sync *s)
{
	if (!s)
		return;
	netmap_fetch_free(s->fetch);
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

static bool
addr_in(const struct netmap_addr *a, const struct netmap_addr *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i].family == a->family && memcmp(set[i].bytes, a->bytes, 16) == 0)
			return true;
	return false;
}

/*
 * Our own mesh addresses from the netmap, and again whenever they change:
 * IPv6 addresses no longer ours are removed, IPv4 is replaced in place.
 */
static void
assign_addresses(struct meshd *d, struct netmap_sync *s, const struct netmap_node *self)
{
	char a[NETMAP_ADDR_TEXT_MAX];
	size_t i, n = self->naddrs < MESHD_MAX_ADDRESSES ? self->naddrs : MESHD_MAX_ADDRESSES;
	bool ok = true, same = s->addresses_set && n == s->nself_addrs;

	for (i = 0; same && i < n; i++)
		same = addr_in(&self->addrs[i], s->self_addrs, s->nself_addrs);
	if (same)
		return;
	for (i = 0; i < s->nself_addrs; i++)
		if (s->self_addrs[i].family == AF_INET6 &&
		    !addr_in(&s->self_addrs[i], self->addrs, n))
			(void)tun_del_address6(d->ifname, s->self_addrs[i].bytes, MESH_V6_PREFIX);
	for (i = 0; i < n; i++) {
		const struct netmap_addr *ad = &self->addrs[i];
		unsigned prefix = ad->family == AF_INET ? MESH_V4_PREFIX : MESH_V6_PREFIX;

		if (tun_add_address(d->ifname, ad->family, ad->bytes, prefix) != 0) {
			ok = false;
			continue;
		}
		if (netmap_addr_format(ad, a, sizeof(a)) == 0)
			log_info("%s: address %s/%u from the netmap", d->ifname, a, prefix);
	}
	memcpy(s->self_addrs, self->addrs, n * sizeof(self->addrs[0]));
	s->nself_addrs = n;
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

/*
 * Is n's endpoint news?  Only a new node or a changed netmap endpoint resets
 * the peer's endpoint, so a refresh does not undo roaming.
 */
static bool
endpoint_changed(const struct netmap *old, const struct netmap_node *n)
{
	const struct netmap_node *o = old ? netmap_node_by_key(old, n->key) : NULL;

	if (n->nendpoints == 0)
		return false;
	return o == NULL || o->nendpoints == 0 || strcmp(o->endpoints[0], n->endpoints[0]) != 0;
}

/* Make the device's peers those of nm (verified by the caller); nm is kept. */
static void
sync_apply(struct meshd *d, struct netmap_sync *s, struct netmap *nm, const char *from)
{
	const struct netmap_node *self;
	struct wg_peer *p, *next;
	struct req r = {NULL, 0, 0, false};
	size_t i, added = 0, removed = 0;
	bool with_ep;
	int rc;

	if ((self = netmap_node_by_name(nm, s->node_name)) == NULL) {
		log_error("netmap not applied: %s: serial %llu has no node named %s", from,
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
		with_ep =
		    endpoint_changed(s->nm, n) || wg_device_find_peer(&d->dev, n->key) == NULL;
		r.len = 0;
		req_node(&r, n, with_ep);
		if (r.oom)
			break;
		if ((rc = uapi_set(d, r.buf, r.len)) != 0 && with_ep) {
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
	if (s->want_addresses)
		assign_addresses(d, s, self);
	log_info("netmap serial %llu applied from %s: %zu peers, %zu removed",
	    (unsigned long long)nm->serial, from, added, removed);
	netmap_free(s->nm);
	s->nm = nm;
	netmap_sync_publish_hosts(nm);
}

static int
load_trusted(const struct netmap_sync *s, struct trust_keys **tk, struct mesh_error *err)
{
	mesh_error_clear(err);
	copy_path(err->source, sizeof(err->source), s->trusted, "");
	return trust_keys_load(s->trusted, tk, err);
}

/* A signed file pair (NetmapFile, or NetmapURL's cache), against the serial state. */
static int
sync_load_file(struct meshd *d, struct netmap_sync *s, const char *path, const char *sigpath)
{
	struct trust_keys *tk = NULL;
	struct netmap *nm = NULL;
	struct mesh_error err;
	char msg[512];
	int rc;

	if ((rc = load_trusted(s, &tk, &err)) == 0) {
		mesh_error_clear(&err);
		rc = netmap_load_tracked(
		    path, sigpath, tk, s->state, (int64_t)time(NULL), &nm, &err);
	}
	trust_keys_free(tk);
	if (rc != 0) {
		if (rc != MESH_ERR_NOTFOUND || s->fetch == NULL)
			log_error(
			    "netmap not applied: %s", mesh_error_format(&err, msg, sizeof(msg)));
		return rc;
	}
	sync_apply(d, s, nm, path);
	return 0;
}

/* Write the verified document where meshsshd and NSS read it. */
static void
sync_write_cache(const struct netmap_sync *s, const struct netmap_fetch_result *res)
{
	struct mesh_error err;
	char msg[512];

	mesh_error_clear(&err);
	if (mesh_file_ensure_parent(s->cache, NETMAP_STATE_DIR_MODE, &err) != 0 ||
	    mesh_file_write_atomic(s->cache_sig, res->sig, res->siglen, CACHE_MODE, &err) != 0 ||
	    mesh_file_write_atomic(s->cache, res->doc, res->doclen, CACHE_MODE, &err) != 0)
		log_error("NetmapCache: %s", mesh_error_format(&err, msg, sizeof(msg)));
}

/* A fetched document: verify everything before anything changes. */
static void
sync_fetched_doc(struct meshd *d, struct netmap_sync *s, const struct netmap_fetch_result *res)
{
	uint8_t hash[crypto_generichash_BYTES];
	struct trust_keys *tk = NULL;
	struct netmap *nm = NULL;
	struct mesh_error err;
	uint64_t last = 0;
	char msg[512];
	int rc;

	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(hash));
	crypto_generichash_update(&st, res->doc, res->doclen);
	crypto_generichash_update(&st, res->sig, res->siglen);
	crypto_generichash_final(&st, hash, sizeof(hash));
	if (sodium_memcmp(hash, s->refused_hash, sizeof(hash)) == 0) {
		log_debug("netmap: the refused document again; still refused");
		return;
	}
	if ((rc = load_trusted(s, &tk, &err)) != 0)
		goto out;
	mesh_error_clear(&err);
	copy_path(err.source, sizeof(err.source), s->state, "");
	if ((rc = netmap_serial_read(s->state, &last, &err)) != 0)
		goto out;
	mesh_error_clear(&err);
	copy_path(err.source, sizeof(err.source), s->fetch ? "NetmapURL" : s->path, "");
	if ((rc = netmap_verify_signature(
		 res->doc, res->doclen, res->sig, res->siglen, tk, &err)) != 0 ||
	    (rc = netmap_parse(res->doc, res->doclen, &nm, &err)) != 0 ||
	    (rc = netmap_check_fresh(nm, last, (int64_t)time(NULL), &err)) != 0)
		goto out;
	if (netmap_node_by_name(nm, s->node_name) == NULL) {
		rc = mesh_error_set(&err, MESH_ERR_NOTFOUND, 0, 0,
		    "serial %llu has no node named %s", (unsigned long long)nm->serial,
		    s->node_name);
		goto out;
	}
	if (nm->serial > last && (rc = netmap_serial_write(s->state, nm->serial, &err)) != 0)
		goto out;
	sync_write_cache(s, res);
	memcpy(s->etag, res->etag, sizeof(s->etag));
	if (s->nm && s->nm->serial == nm->serial &&
	    sodium_memcmp(hash, s->doc_hash, sizeof(hash)) == 0) {
		log_debug("netmap serial %llu unchanged", (unsigned long long)nm->serial);
		goto out;
	}
	memcpy(s->doc_hash, hash, sizeof(hash));
	sync_apply(d, s, nm, "NetmapURL");
	nm = NULL;
out:
	if (rc != 0) {
		log_error("netmap not applied: %s", mesh_error_format(&err, msg, sizeof(msg)));
		/* a local failure (trusted keys, state file) is retried and logged again */
		if (rc == MESH_ERR_SIGNATURE || rc == MESH_ERR_UNTRUSTED || rc == MESH_ERR_PARSE ||
		    rc == MESH_ERR_INVALID || rc == MESH_ERR_ROLLBACK || rc == MESH_ERR_EXPIRED ||
		    rc == MESH_ERR_DUPLICATE || rc == MESH_ERR_NOTFOUND)
			memcpy(s->refused_hash, hash, sizeof(hash));
	}
	netmap_free(nm);
	trust_keys_free(tk);
}

/* The loop's callback: the fetcher finished. */
static void
netmap_sync_fetched(struct meshd *d)
{
	struct netmap_sync *s = d->reload_ctx;
	struct netmap_fetch_result res;
	char msg[512];

	if (!s || !s->fetch || netmap_fetch_finish(s->fetch, &res) != 0)
		return;
	switch (res.status) {
	case NETMAP_FETCH_NOT_MODIFIED:
		log_debug("netmap: not modified (ETag %s)", s->etag);
		break;
	case NETMAP_FETCH_FAILED:
		mesh_error_format(&res.err, msg, sizeof(msg));
		if (strcmp(msg, s->fetch_error) != 0)
			log_error("netmap not fetched: %s", msg);
		else
			log_debug("netmap not fetched: %s", msg);
		copy_path(s->fetch_error, sizeof(s->fetch_error), msg, "");
		break;
	case NETMAP_FETCH_CHANGED:
		sync_fetched_doc(d, s, &res);
		break;
	}
	if (res.status != NETMAP_FETCH_FAILED)
		s->fetch_error[0] = '\0';
	netmap_fetch_result_clear(&res);
}

void
netmap_sync_reload(struct meshd *d)
{
	struct netmap_sync *s = d->reload_ctx;

	if (!s)
		return;
	if (s->fetch == NULL) {
		(void)sync_load_file(d, s, s->path, s->sigpath);
		return;
	}
	/* Start from the last verified copy, so the mesh is up while the server is not. */
	if (!s->cache_tried) {
		s->cache_tried = true;
		(void)sync_load_file(d, s, s->cache, s->cache_sig);
	}
	if (netmap_fetch_busy(s->fetch))
		return;
	if (netmap_fetch_start(s->fetch, s->nm ? s->etag : "") != 0)
		log_error("netmap not fetched: cannot start the fetcher");
}
