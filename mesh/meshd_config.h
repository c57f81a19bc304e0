/*
 * meshd.conf: sshd_config-style keywords (lib/conf.h), documented in
 * meshd.conf(5).  Parsing is pure (meshd_config_parse); meshd_config_load
 * reads a root-owned file.  Unknown keywords and bad values are errors that
 * quote file:line.
 */
#ifndef MESH_MESHD_CONFIG_H
#define MESH_MESHD_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MESHD_DEFAULT_CONFIG	SYSCONFDIR "/meshssh/meshd.conf"
#define MESHD_DEFAULT_INTERFACE "mesh0"
#define MESHD_DEFAULT_PORT	41641
#define MESHD_DEFAULT_REFRESH_S 60
#define MESHD_MAX_ADDRESSES	8
#define MESHD_PATH_MAX		4096

struct meshd_address {
	int family;
	uint8_t addr[16];
	unsigned prefix;
};

struct meshd_config {
	char interface[IFNAMSIZ];
	char private_key_file[MESHD_PATH_MAX];
	uint16_t listen_port;
	char netmap_file[MESHD_PATH_MAX];
	char netmap_signature_file[MESHD_PATH_MAX]; /* default: NetmapFile + ".sig" */
	char netmap_url[MESHD_PATH_MAX];
	char netmap_signature_url[MESHD_PATH_MAX]; /* default: NetmapURL + ".sig" */
	char netmap_ca_file[MESHD_PATH_MAX];	   /* "" : the system's CAs */
	char netmap_cache[MESHD_PATH_MAX];	   /* where a fetched, verified netmap is kept */
	char netmap_state_file[MESHD_PATH_MAX];	   /* last accepted serial (rollback) */
	char trusted_keys_file[MESHD_PATH_MAX];
	char node_name[256];
	struct meshd_address addresses[MESHD_MAX_ADDRESSES];
	size_t naddresses;
	unsigned mtu;
	uint64_t netmap_refresh_s;
	int log_level; /* enum mesh_log_level */
	bool offload;  /* UDP GSO/GRO and TUN TSO where the kernel has them */
};

void meshd_config_defaults(struct meshd_config *c);
int meshd_config_parse(const char *buf, size_t len, struct meshd_config *c, struct mesh_error *err);
int meshd_config_load(const char *path, struct meshd_config *c, struct mesh_error *err);
/* "100.64.0.1/10", "fd7a::1/48" */
int meshd_parse_prefix(const char *s, struct meshd_address *a);

#endif
