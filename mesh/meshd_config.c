/*
 * meshd.conf keywords (see meshd_config.h and meshd.conf(5)).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf.h"
#include "log.h"
#include "meshd_config.h"
#include "messages.h"

#define MESHD_MIN_MTU 576
#define MESHD_MAX_MTU 1980

void
meshd_config_defaults(struct meshd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->interface, sizeof(c->interface), "%s", MESHD_DEFAULT_INTERFACE);
	c->listen_port = MESHD_DEFAULT_PORT;
	c->mtu = WG_DEFAULT_MTU;
	c->netmap_refresh_s = MESHD_DEFAULT_REFRESH_S;
	c->log_level = MESH_LOG_INFO;
	c->offload = true;
	snprintf(c->trusted_keys_file, sizeof(c->trusted_keys_file), "%s",
	    SYSCONFDIR "/meshssh/trusted-keys");
	snprintf(c->netmap_cache, sizeof(c->netmap_cache), "%s",
	    LOCALSTATEDIR "/lib/meshssh/netmap.json");
	snprintf(c->netmap_state_file, sizeof(c->netmap_state_file), "%s",
	    LOCALSTATEDIR "/lib/meshssh/netmap.serial");
}

int
meshd_parse_prefix(const char *s, struct meshd_address *a)
{
	char buf[INET6_ADDRSTRLEN + 5], *slash, *end;
	unsigned long p;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return MESH_ERR_PARSE;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = AF_INET6;
	else
		return MESH_ERR_PARSE;
	if (slash == NULL) {
		a->prefix = a->family == AF_INET ? 32 : 128;
		return 0;
	}
	p = strtoul(slash, &end, 10);
	if (*slash == '\0' || *end || p > (a->family == AF_INET ? 32u : 128u))
		return MESH_ERR_PARSE;
	a->prefix = (unsigned)p;
	return 0;
}

static int
copy_arg(const struct conf_line *l, char *dst, size_t cap, struct mesh_error *err)
{
	int r;

	if ((r = conf_want_args(l, 1, false, err)) != 0)
		return r;
	if (snprintf(dst, cap, "%s", l->args[0]) >= (int)cap)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, l->line, 0, "%s: argument too long", l->keyword);
	return 0;
}

static int
config_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	struct meshd_config *c = ctx;
	uint64_t v;
	int r;

	if (strcasecmp(l->keyword, "Interface") == 0) {
		if ((r = copy_arg(l, c->interface, sizeof(c->interface), err)) != 0)
			return r;
		if (c->interface[0] == '\0' || strchr(c->interface, '/'))
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "Interface: bad name '%s'", c->interface);
		return 0;
	}
	if (strcasecmp(l->keyword, "PrivateKeyFile") == 0)
		return copy_arg(l, c->private_key_file, sizeof(c->private_key_file), err);
	if (strcasecmp(l->keyword, "ListenPort") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0 ||
		    (r = conf_arg_uint(l, 0, 0, 65535, &v, err)) != 0)
			return r;
		c->listen_port = (uint16_t)v;
		return 0;
	}
	if (strcasecmp(l->keyword, "NetmapFile") == 0)
		return copy_arg(l, c->netmap_file, sizeof(c->netmap_file), err);
	if (strcasecmp(l->keyword, "NetmapSignatureFile") == 0)
		return copy_arg(l, c->netmap_signature_file, sizeof(c->netmap_signature_file), err);
	if (strcasecmp(l->keyword, "NetmapURL") == 0)
		return copy_arg(l, c->netmap_url, sizeof(c->netmap_url), err);
	if (strcasecmp(l->keyword, "NetmapSignatureURL") == 0)
		return copy_arg(l, c->netmap_signature_url, sizeof(c->netmap_signature_url), err);
	if (strcasecmp(l->keyword, "NetmapCAFile") == 0)
		return copy_arg(l, c->netmap_ca_file, sizeof(c->netmap_ca_file), err);
	if (strcasecmp(l->keyword, "NetmapStateFile") == 0)
		return copy_arg(l, c->netmap_state_file, sizeof(c->netmap_state_file), err);
	if (strcasecmp(l->keyword, "NetmapCache") == 0)
		return copy_arg(l, c->netmap_cache, sizeof(c->netmap_cache), err);
	if (strcasecmp(l->keyword, "NetmapRefresh") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0 ||
		    (r = conf_arg_seconds(l, 0, &c->netmap_refresh_s, err)) != 0)
			return r;
		return 0;
	}
	if (strcasecmp(l->keyword, "TrustedKeysFile") == 0)
		return copy_arg(l, c->trusted_keys_file, sizeof(c->trusted_keys_file), err);
	if (strcasecmp(l->keyword, "NodeName") == 0)
		return copy_arg(l, c->node_name, sizeof(c->node_name), err);
	if (strcasecmp(l->keyword, "Address") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		if (c->naddresses == MESHD_MAX_ADDRESSES)
			return mesh_error_set(err, MESH_ERR_RANGE, l->line, 0,
			    "Address: at most %d", MESHD_MAX_ADDRESSES);
		if (meshd_parse_prefix(l->args[0], &c->addresses[c->naddresses]) != 0)
			return mesh_error_set(err, MESH_ERR_PARSE, l->line, 0,
			    "Address: '%s' is not ADDRESS/PREFIX", l->args[0]);
		c->naddresses++;
		return 0;
	}
	if (strcasecmp(l->keyword, "MTU") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0 ||
		    (r = conf_arg_uint(l, 0, MESHD_MIN_MTU, MESHD_MAX_MTU, &v, err)) != 0)
			return r;
		c->mtu = (unsigned)v;
		return 0;
	}
	if (strcasecmp(l->keyword, "Offload") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		return conf_arg_bool(l, 0, &c->offload, err);
	}
	if (strcasecmp(l->keyword, "LogLevel") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		if ((c->log_level = mesh_log_level_parse(l->args[0])) < 0)
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "LogLevel: unknown level '%s'", l->args[0]);
		return 0;
	}
	return mesh_error_set(err, MESH_ERR_PARSE, l->line, 0, "unknown keyword '%s'", l->keyword);
}

static int
config_check(struct meshd_config *c, struct mesh_error *err)
{
	if (c->netmap_file[0] && c->netmap_url[0])
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "NetmapFile and NetmapURL are exclusive");
	if (c->netmap_file[0] && c->netmap_signature_file[0] == '\0' &&
	    snprintf(c->netmap_signature_file, sizeof(c->netmap_signature_file), "%s.sig",
		c->netmap_file) >= (int)sizeof(c->netmap_signature_file))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "NetmapFile: path too long");
	if (c->netmap_url[0] && c->netmap_signature_url[0] == '\0' &&
	    snprintf(c->netmap_signature_url, sizeof(c->netmap_signature_url), "%s.sig",
		c->netmap_url) >= (int)sizeof(c->netmap_signature_url))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "NetmapURL: too long");
	if (c->netmap_url[0] && strncasecmp(c->netmap_url, "https://", 8) != 0)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "NetmapURL: '%s' is not an https:// URL", c->netmap_url);
	if ((c->netmap_file[0] || c->netmap_url[0]) && c->node_name[0] == '\0')
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "NodeName is required with a netmap");
	return 0;
}

int
meshd_config_parse(const char *buf, size_t len, struct meshd_config *c, struct mesh_error *err)
{
	int r;

	if ((r = conf_parse(buf, len, config_line, c, err)) != 0)
		return r;
	return config_check(c, err);
}

int
meshd_config_load(const char *path, struct meshd_config *c, struct mesh_error *err)
{
	int r;

	if ((r = conf_load(path, config_line, c, err)) != 0)
		return r;
	return config_check(c, err);
}
