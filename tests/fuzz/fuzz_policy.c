/*
 * libFuzzer target for policy parsing: any bytes into policy_parse(); a
 * policy that parses is then decided for a few fixed nodes and its sshTests
 * are run against a small netmap, so the compiled form is exercised too.
 * Must never crash, leak or trip a sanitizer; parse errors are expected.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_tags_prod[] = {"tag:prod"};
static char *fuzz_tags_two[] = {"tag:ci", "tag:server"};
static struct netmap_addr fuzz_addr = {AF_INET, {100, 64, 0, 16}};
static struct netmap_node fuzz_nodes[] = {
    {.name = "laptop", .owner = "alice@example.com"},
    {.name = "desk", .owner = "bob@example.com"},
    {.name = "web-1", .tags = fuzz_tags_prod, .ntags = 1, .addrs = &fuzz_addr, .naddrs = 1},
    {.name = "runner", .owner = "alice@example.com", .tags = fuzz_tags_two, .ntags = 2},
    {.name = "orphan"},
};
#define FUZZ_NNODES (sizeof(fuzz_nodes) / sizeof(fuzz_nodes[0]))
static const char *const fuzz_users[] = {"root", "alice", "ubuntu"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netmap nm = {.nodes = fuzz_nodes, .nnodes = FUZZ_NNODES};
	struct policy_decision d;
	struct mesh_error err = {0};
	struct policy *p = NULL;
	size_t s, t, u;

	if (policy_parse((const char *)data, size, &p, &err) != 0)
		return 0;
	for (s = 0; s < FUZZ_NNODES; s++)
		for (t = 0; t < FUZZ_NNODES; t++)
			for (u = 0; u < sizeof(fuzz_users) / sizeof(fuzz_users[0]); u++) {
				(void)policy_decide(
				    p, &nm, &fuzz_nodes[s], &fuzz_nodes[t], fuzz_users[u], &d);
				(void)policy_env_accepted(&d, "LANG");
			}
	(void)policy_run_tests(p, &nm, NULL, NULL, NULL, NULL);
	(void)policy_run_tests(p, NULL, NULL, NULL, NULL, NULL);
	policy_free(p);
	return 0;
}
