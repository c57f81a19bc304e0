/*
 * meshd: brings up the mesh interface, runs WireGuard on it, and keeps its
 * peers in step with the verified netmap.  main() only reads options and the
 * configuration, loads the private key, and hands over to the event loop;
 * on SIGTERM the interface and the UAPI socket are removed.
 *
 *   meshd [-D] [-d]... [-f meshd.conf]
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "meshd_config.h"
#include "netmap_fetch.h"
#include "netmap_sync.h"

#define KEY_FILE_MAX 256
#define EXIT_USAGE   2

static void
usage(void)
{
	fprintf(stderr, "usage: meshd [-D] [-d]... [-f config]\n");
}

/* A wg genkey file: base64 of 32 bytes, root-owned, no group/world access. */
static int
load_private_key(const char *path, uint8_t key[WG_KEY_LEN])
{
	struct mesh_error err;
	uint8_t *buf = NULL;
	size_t len, n;
	char msg[512];
	int r;

	mesh_error_clear(&err);
	err.source[0] = '\0'; /* mesh_file_read names the path in the text */
	if ((r = mesh_file_read(path, KEY_FILE_MAX, MESH_FILE_TRUSTED | MESH_FILE_SECRET, &buf,
		 &len, &err)) != 0) {
		log_error("PrivateKeyFile: %s", mesh_error_format(&err, msg, sizeof(msg)));
		return r;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	r = 0;
	if (sodium_base642bin(key, WG_KEY_LEN, (const char *)buf, len, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != WG_KEY_LEN) {
		log_error("%s: not a base64 WireGuard private key", path);
		r = MESH_ERR_PARSE;
	}
	sodium_memzero(buf, len);
	free(buf);
	return r;
}

static void
apply_test_knobs(struct meshd *d)
{
#ifdef MESH_TEST_BUILD
	const char *v;

	if ((v = secure_getenv("MESHD_TEST_TIMER_DIVISOR")) != NULL)
		timers_set_test_divisor((unsigned)strtoul(v, NULL, 10));
	if ((v = secure_getenv("MESHD_TEST_UNDER_LOAD")) != NULL && strcmp(v, "1") == 0)
		d->dev.force_under_load = true;
#else
	(void)d;
#endif
}

int
main(int argc, char **argv)
{
	struct mesh_log_opts lo = {"meshd", MESH_LOG_INFO, true, false, LOG_DAEMON};
	const char *path = MESHD_DEFAULT_CONFIG;
	struct meshd_config cfg;
	struct mesh_error err;
	struct netmap_sync *sync = NULL;
	uint8_t key[WG_KEY_LEN];
	static struct meshd d;
	char msg[512];
	int c, debug = 0, foreground = 0, rc = 1;
	size_t i;

	while ((c = getopt(argc, argv, "Ddf:h")) != -1) {
		switch (c) {
		case 'D':
			foreground = 1;
			break;
		case 'd':
			debug++;
			break;
		case 'f':
			path = optarg;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage();
		return EXIT_USAGE;
	}
	if (sodium_init() < 0)
		return 1;
	mesh_log_init(&lo);
	meshd_config_defaults(&cfg);
	mesh_error_clear(&err);
	if (snprintf(err.source, sizeof(err.source), "%s", path) >= (int)sizeof(err.source))
		err.source[0] = '\0';
	if (meshd_config_load(path, &cfg, &err) != 0) {
		log_error("%s", mesh_error_format(&err, msg, sizeof(msg)));
		return 1;
	}
	mesh_log_set_level(debug ? (enum mesh_log_level)(MESH_LOG_DEBUG + debug - 1)
				 : (enum mesh_log_level)cfg.log_level);
	if (meshd_init(&d, cfg.interface, cfg.listen_port, cfg.offload) != 0)
		goto out;
	apply_test_knobs(&d);
	if (cfg.mtu != d.dev.mtu && (d.dev.mtu = cfg.mtu, tun_set_mtu(d.ifname, cfg.mtu)) != 0)
		goto out;
	for (i = 0; i < cfg.naddresses; i++)
		if (tun_add_address(d.ifname, cfg.addresses[i].family, cfg.addresses[i].addr,
			cfg.addresses[i].prefix) != 0)
			goto out;
	if (cfg.private_key_file[0]) {
		if (load_private_key(cfg.private_key_file, key) != 0)
			goto out;
		c = wg_device_set_private_key(&d.dev, key);
		sodium_memzero(key, sizeof(key));
		if (c != 0) {
			log_error("%s: invalid private key", cfg.private_key_file);
			goto out;
		}
	}
	if (cfg.netmap_url[0] && netmap_fetch_global_init() != 0) {
		log_error("libcurl: initialisation failed");
		goto out;
	}
	if (cfg.netmap_file[0] || cfg.netmap_url[0]) {
		if ((sync = netmap_sync_new(&cfg, &d)) == NULL)
			goto out;
		d.reload = netmap_sync_reload;
		d.reload_ctx = sync;
		d.reload_interval_ms = cfg.netmap_refresh_s * 1000;
		d.reload_requested = true;
	}
	log_info("interface %s up, UDP port %u, UAPI %s", d.ifname, d.udp.port, d.uapi_path);
	if (!foreground && daemon(0, 0) < 0) {
		log_error("daemon: %s", strerror(errno));
		goto out;
	}
	rc = meshd_run(&d) == 0 ? 0 : 1;
out:
	netmap_sync_free(sync);
	meshd_destroy(&d);
	if (cfg.netmap_url[0])
		netmap_fetch_global_cleanup();
	return rc;
}
