/*
 * Fuzz target for the first thing a client chooses: the host user name in
 * its SSH login, as policy_decide (lib/policy_decide.c) sees it, against a
 * fixed policy with every kind of "users" entry (explicit, root,
 * autogroup:nonroot, localpart:*@domain), and the client's environment
 * variable names against acceptEnv.  Invariant: from alice's laptop to the
 * tag:prod server exactly "alice" (her local part) and "ubuntu" are
 * accepted, whatever bytes the name holds; root is never accepted there.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_policy_text[] =
    "{\"groups\": {\"group:a\": [\"alice@example.com\"]},"
    " \"tagOwners\": {\"tag:prod\": [\"group:a\"], \"tag:ci\": []},"
    " \"ssh\": ["
    "  {\"action\": \"check\", \"src\": [\"autogroup:member\"], \"dst\": [\"autogroup:self\"],"
    "   \"users\": [\"autogroup:nonroot\", \"root\"]},"
    "  {\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"],"
    "   \"users\": [\"localpart:*@example.com\", \"ubuntu\"], \"acceptEnv\": [\"GIT_*\", \"X?\"]},"
    "  {\"action\": \"accept\", \"src\": [\"autogroup:member\"], \"dst\": [\"tag:ci\"],"
    "   \"users\": [\"autogroup:nonroot\"]}]}";

static char *fuzz_tags_prod[] = {"tag:prod"};
static char *fuzz_tags_ci[] = {"tag:ci"};
static struct netmap_node fuzz_nodes[] = {
    {.name = "laptop", .owner = "alice@example.com"},
    {.name = "web-1", .tags = fuzz_tags_prod, .ntags = 1},
    {.name = "desk", .owner = "bob@example.com"},
    {.name = "runner", .tags = fuzz_tags_ci, .ntags = 1},
};
#define FUZZ_NNODES (sizeof(fuzz_nodes) / sizeof(fuzz_nodes[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy *p;
	struct netmap nm = {.nodes = fuzz_nodes, .nnodes = FUZZ_NNODES};
	struct policy_decision d;
	struct mesh_error err;
	size_t s, t;
	bool want;
	char *user;

	if (p == NULL &&
	    policy_parse(fuzz_policy_text, sizeof(fuzz_policy_text) - 1, &p, &err) != 0)
		abort();
	if ((user = malloc(size + 1)) == NULL)
		return 0;
	memcpy(user, data, size);
	user[size] = '\0';
	/* laptop (alice) -> web-1 (tag:prod): the localpart rule and "ubuntu" only */
	want = strcmp(user, "alice") == 0 || strcmp(user, "ubuntu") == 0;
	if (policy_decide(p, &nm, &fuzz_nodes[0], &fuzz_nodes[1], user, &d) != 0)
		want = false; /* an invalid request (an empty name) is refused */
	if ((d.action == POLICY_ACCEPT) != want)
		abort();
	for (s = 0; s < FUZZ_NNODES; s++)
		for (t = 0; t < FUZZ_NNODES; t++)
			if (policy_decide(p, &nm, &fuzz_nodes[s], &fuzz_nodes[t], user, &d) == 0 &&
			    d.action != POLICY_REJECT && strcmp(user, "root") == 0 && t != 0 &&
			    t != 2)
				abort(); /* root only on one's own node (autogroup:self) */
			else
				(void)policy_env_accepted(&d, user);
	free(user);
	return 0;
}
