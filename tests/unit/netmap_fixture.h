/*
 * A small valid netmap shared by the netmap unit tests: three nodes (two
 * owned, one tagged), two users, keys from `wg genkey | wg pubkey`.  Line
 * numbers matter: tests assert error positions in it.
 */
#ifndef MESH_NETMAP_FIXTURE_H
#define MESH_NETMAP_FIXTURE_H

#define FIX_KEY_WEB1   "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE="
#define FIX_KEY_DB1    "mHH0nUSsTPUf9vusPXD+hJxqIRF9kunQVYrtrRvcNRQ="
#define FIX_KEY_LAPTOP "Znhobo0BrmPL9iEcUohNljvhzpW2lXA8JftR9wKLBlg="
#define FIX_HOST_KEY \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h17"
#define FIX_EXPIRES 1800000000 /* 2027-01-15T08:00:00Z */

/* clang-format off */
static const char fixture_netmap[] =
"{\n"								/* 1 */
"  \"version\": 1,\n"						/* 2 */
"  \"serial\": 42,\n"						/* 3 */
"  \"expires\": \"2027-01-15T08:00:00Z\",\n"			/* 4 */
"  \"domain\": \"mesh.example.com\",\n"				/* 5 */
"  \"nodes\": [\n"						/* 6 */
"    {\"name\": \"web-1\", \"key\": \"" FIX_KEY_WEB1 "\",\n"	/* 7 */
"     \"addresses\": [\"100.64.0.1\", \"fd7a:115c:a1e0::1\"],\n"	/* 8 */
"     \"endpoints\": [\"192.0.2.1:41641\"],\n"			/* 9 */
"     \"tags\": [\"tag:prod\", \"tag:web\"],\n"			/* 10 */
"     \"hostKeys\": [\"" FIX_HOST_KEY "\"]},\n"			/* 11 */
"    {\"name\": \"db-1\", \"key\": \"" FIX_KEY_DB1 "\",\n"		/* 12 */
"     \"addresses\": [\"100.64.0.2\"],\n"				/* 13 */
"     \"tags\": [\"tag:prod\"]},\n"					/* 14 */
"    {\"name\": \"alice-laptop\", \"key\": \"" FIX_KEY_LAPTOP "\",\n"	/* 15 */
"     \"addresses\": [\"100.64.0.3\", \"fd7a:115c:a1e0::3\"],\n"	/* 16 */
"     \"endpoints\": [\"[2001:db8::1]:41641\", \"home.example.net:51820\"],\n" /* 17 */
"     \"owner\": \"alice@example.com\"}\n"				/* 18 */
"  ],\n"								/* 19 */
"  \"users\": [\n"						/* 20 */
"    {\"id\": \"idp|1001\", \"login\": \"alice@example.com\",\n"	/* 21 */
"     \"displayName\": \"Alice Liddell\", \"groups\": [\"admins\", \"eng\"]},\n" /* 22 */
"    {\"id\": \"idp|1002\", \"login\": \"bob@example.com\"}\n"	/* 23 */
"  ]\n"								/* 24 */
"}\n";								/* 25 */
/* clang-format on */

#endif
