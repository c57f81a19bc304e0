/*
 * Fuzz target: the netmap parser, and the two small text formats that come
 * with it (trusted-keys lines, signature lines).  Invariants checked beyond
 * "no crash": a netmap that parses serialises to JSON that parses again to
 * the same serial and counts, and whois finds every node by each of its
 * addresses.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netmap.h"
#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_netmap_invariants(const struct netmap *nm)
{
	struct netmap *again = NULL;
	char *text = NULL;
	size_t len = 0, i, j;

	for (i = 0; i < nm->nnodes; i++) {
		for (j = 0; j < nm->nodes[i].naddrs; j++)
			if (netmap_whois(nm, &nm->nodes[i].addrs[j]) != &nm->nodes[i])
				abort();
		if (netmap_node_by_name(nm, nm->nodes[i].name) != &nm->nodes[i] ||
		    netmap_node_by_key(nm, nm->nodes[i].key) != &nm->nodes[i])
			abort();
	}
	if (netmap_to_json(nm, &text, &len) != 0)
		return; /* out of memory, or an expiry gmtime cannot express */
	if (netmap_parse((const uint8_t *)text, len, &again, NULL) != 0 ||
	    again->serial != nm->serial || again->expires != nm->expires ||
	    again->nnodes != nm->nnodes || again->nusers != nm->nusers)
		abort();
	netmap_free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t doc[] = "{}";
	struct mesh_error err = {0};
	struct trust_keys *tk = NULL;
	struct netmap *nm = NULL;

	if (netmap_parse(data, size, &nm, &err) == 0) {
		fuzz_netmap_invariants(nm);
		netmap_free(nm);
	} else if (memchr(err.text, '\n', sizeof(err.text)) != NULL) {
		abort(); /* errors are one line */
	}
	if (trust_keys_parse(data, size, &tk, &err) == 0) {
		(void)trust_verify(
		    NETMAP_SIG_CONTEXT, doc, sizeof(doc) - 1, data, size, tk, NULL, &err);
		trust_keys_free(tk);
	}
	return 0;
}
