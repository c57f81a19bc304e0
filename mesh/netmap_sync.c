/*
 * Placeholder until lib/netmap lands on main: configuring meshd from a
 * netmap is refused with a clear error; peers can be set through the UAPI.
 */
#include "config.h"

#include <stddef.h>

#include "daemon.h"
#include "log.h"
#include "meshd_config.h"
#include "netmap_sync.h"

struct netmap_sync *
netmap_sync_new(const struct meshd_config *cfg, struct meshd *d)
{
	(void)cfg;
	(void)d;
	log_error("netmap support is not built in this version");
	return NULL;
}

void
netmap_sync_free(struct netmap_sync *s)
{
	(void)s;
}

void
netmap_sync_reload(struct meshd *d)
{
	(void)d;
}
