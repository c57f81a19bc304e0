/*
 * Keeping the device's peers in step with the verified netmap: every node
 * other than ourselves (NodeName) becomes a peer with its WireGuard key, its
 * mesh addresses as allowed IPs and its first endpoint.  Peers no longer in
 * the netmap are removed.  A netmap that fails to load, verify or is older
 * than the one in force changes nothing.  The netmap comes from a file
 * (NetmapFile + detached signature) or an HTTPS URL fetched with libcurl
 * (ETag; the verified copy is written to NetmapCache for meshsshd and NSS).
 */
#ifndef MESH_NETMAP_SYNC_H
#define MESH_NETMAP_SYNC_H

struct meshd;
struct meshd_config;
struct netmap_sync;

struct netmap_sync *netmap_sync_new(const struct meshd_config *cfg, struct meshd *d);
void netmap_sync_free(struct netmap_sync *s);
/* meshd's reload hook: fetch/read, verify, apply; logs and keeps the old one on failure. */
void netmap_sync_reload(struct meshd *d);

#endif
