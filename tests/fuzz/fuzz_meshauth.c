/*
 * Fuzz target for the PAM hand-off (lib/meshauth.c): the ticket file parser,
 * and the MESH_AUTH_INFO_0 value pam_mesh reads from the PAM environment
 * (checked against a directory that does not exist, so no file is touched).
 * Invariant: a ticket that parses is exactly the line meshauth_issue writes
 * for its fields, so the parser accepts one spelling and nothing else.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NO_DIR "/nonexistent/meshauth-fuzz"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meshauth_ticket t;
	char line[1024], *value;
	int n, r;

	if (meshauth_ticket_parse((const char *)data, size, &t) == 0) {
		n = snprintf(line, sizeof(line), "%s %s %s %lld %s\n", MESHAUTH_VERSION, t.user,
		    t.rhost, (long long)t.expires, t.secret);
		if (n < 0 || (size_t)n != size || memcmp(line, data, size) != 0)
			abort();
	}
	if ((value = malloc(size + 1)) == NULL)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	r = meshauth_verify(FUZZ_NO_DIR, value, "alice", "100.64.0.1", 0);
	if (r == MESH_OK)
		abort();
	meshauth_revoke(FUZZ_NO_DIR, value);
	(void)meshauth_env_reserved(value);
	free(value);
	return 0;
}
