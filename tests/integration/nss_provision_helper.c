/*
 * Test helper: provision one netmap user the way meshsshd does, or hand out
 * and check PAM tickets, so shell tests can drive the real writer and the
 * real modules.
 *   nss_provision_helper [-r MIN-MAX] [-m IDPGROUP:HOSTGROUP]... [-H HOMEBASE]
 *       ensure ID LOGIN [DISPLAY [IDPGROUP...]]   -> "name uid gid home gids"
 *   nss_provision_helper ticket USER RHOST       -> "MESH_AUTH_INFO_0=..."
 * The userdb directory is $MESH_USERDB_DIR (test builds), tickets go to
 * $MESH_AUTH_DIR.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meshauth.h"
#include "provision.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: nss_provision_helper [-r MIN-MAX] [-m IDP:HOST] [-H BASE] "
	    "ensure ID LOGIN [DISPLAY [GROUP...]]\n"
	    "       nss_provision_helper ticket USER RHOST\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct provision_conf c;
	struct provision_result r;
	struct netmap_user u;
	struct mesh_error err;
	char msg[512], env[MESHAUTH_ENV_MAX];
	unsigned long lo, hi;
	size_t i;
	int opt, rc;

	provision_conf_init(&c);
	c.enabled = true;
	while ((opt = getopt(argc, argv, "r:m:H:")) != -1) {
		char *colon;

		switch (opt) {
		case 'r':
			if (sscanf(optarg, "%lu-%lu", &lo, &hi) != 2)
				return usage();
			c.uid_min = (uint32_t)lo;
			c.uid_max = (uint32_t)hi;
			break;
		case 'm':
			if ((colon = strrchr(optarg, ':')) == NULL)
				return usage();
			*colon = '\0';
			if (provision_conf_add_map(&c, optarg, colon + 1, &err) != 0)
				return usage();
			break;
		case 'H':
			snprintf(c.home_base, sizeof(c.home_base), "%s", optarg);
			break;
		default:
			return usage();
		}
	}
	if (optind + 3 == argc && strcmp(argv[optind], "ticket") == 0) {
		rc = meshauth_issue(meshauth_dir(), argv[optind + 1], argv[optind + 2],
		    (int64_t)time(NULL), env, sizeof(env));
		if (rc != 0) {
			fprintf(stderr, "ticket: %s\n", mesh_strerror(rc));
			return 1;
		}
		printf("%s\n", env);
		return 0;
	}
	if (optind + 3 > argc || strcmp(argv[optind], "ensure") != 0)
		return usage();
	memset(&u, 0, sizeof(u));
	u.id = argv[optind + 1];
	u.login = argv[optind + 2];
	u.display_name = optind + 3 < argc ? argv[optind + 3] : NULL;
	u.groups = optind + 4 < argc ? argv + optind + 4 : NULL;
	u.ngroups = optind + 4 < argc ? (size_t)(argc - optind - 4) : 0;
	mesh_error_clear(&err);
	if ((rc = provision_ensure(&c, &u, &r, &err)) != 0) {
		fprintf(stderr, "provision: %s\n", mesh_error_format(&err, msg, sizeof(msg)));
		provision_conf_free(&c);
		return 1;
	}
	printf("%s %u %u %s ", r.name, r.uid, r.gid, r.home);
	for (i = 0; i < r.ngroups; i++)
		printf("%s%u", i ? "," : "", r.groups[i]);
	printf("%s\n", r.ngroups ? "" : "-");
	provision_conf_free(&c);
	return 0;
}
