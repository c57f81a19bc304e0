/*
 * Test helper: the PAM conversation of meshsshd, reduced to what pam_mesh
 * sees.  pam_helper SERVICE USER RHOST ENTRY|-
 * sets PAM_RHOST, puts ENTRY ("MESH_AUTH_INFO_0=...") into the PAM
 * environment, runs pam_acct_mgmt and pam_open_session, and prints
 * "account=RESULT session=RESULT ticket_in_env=yes|no".  Exit 0 only if both
 * succeeded.
 */
#include "config.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

int
main(int argc, char **argv)
{
	struct pam_conv c = {conv, NULL};
	pam_handle_t *pamh = NULL;
	int ra, rs = PAM_SYSTEM_ERR, r;
	const char *left;

	if (argc != 5) {
		fprintf(stderr, "usage: pam_helper SERVICE USER RHOST ENTRY|-\n");
		return 2;
	}
	if ((r = pam_start(argv[1], argv[2], &c, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %s\n", pam_strerror(pamh, r));
		return 2;
	}
	pam_set_item(pamh, PAM_RHOST, argv[3]);
	if (strcmp(argv[4], "-") != 0)
		pam_putenv(pamh, argv[4]);
	ra = pam_acct_mgmt(pamh, 0);
	if (ra == PAM_SUCCESS)
		rs = pam_open_session(pamh, 0);
	left = pam_getenv(pamh, "MESH_AUTH_INFO_0");
	printf("account=%s session=%s ticket_in_env=%s\n", pam_strerror(pamh, ra),
	    ra == PAM_SUCCESS ? pam_strerror(pamh, rs) : "-", left ? "yes" : "no");
	if (rs == PAM_SUCCESS)
		pam_close_session(pamh, 0);
	pam_end(pamh, ra);
	return ra == PAM_SUCCESS && rs == PAM_SUCCESS ? 0 : 1;
}
