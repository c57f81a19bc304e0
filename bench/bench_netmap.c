/*
 * Netmap benchmark: load + verify a signed netmap of 10,000 nodes, and
 * whois per lookup.  Each figure is printed next to an anchor measured in
 * the same run (jansson parsing the same bytes; a linear scan over the same
 * addresses) and against the targets (load < 100 ms, whois < 1 us).
 *
 *   bench/bench_netmap [--nodes N] [--write DIR]
 *
 * --write DIR also leaves DIR/netmap.json, netmap.json.sig and trusted-keys
 * behind, as a large fixture for other tests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "fileio.h"
#include "keys.h"
#include "netmap.h"
#include "trust.h"

#define BENCH_NODES_DEFAULT   10000
#define BENCH_USERS_DIVISOR   10 /* one user per ten nodes */
#define BENCH_LOAD_RUNS	      20
#define BENCH_WHOIS_LOOKUPS   2000000
#define BENCH_LINEAR_LOOKUPS  2000
#define BENCH_LOAD_TARGET_MS  100.0
#define BENCH_WHOIS_TARGET_NS 1000.0
#define BENCH_EXPIRES_IN_S    (365 * 86400)
#define NS_PER_S	      1000000000.0
#define NS_PER_MS	      1000000.0

static double
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * NS_PER_S + (double)ts.tv_nsec;
}

/* Wall-clock time; the figures that count. */
static double
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of this process: shows what waiting for a busy machine added. */
static double
cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 1;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	b->len += (size_t)n;
}

/* Node i: deterministic key, one v4 and one v6 address, owned or tagged. */
static void
gen_netmap(struct buf *b, size_t nodes, int64_t expires)
{
	static const char host_key[] = "ssh-ed25519 "
				       "AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+"
				       "fzxJQ3h17";
	size_t users = nodes / BENCH_USERS_DIVISOR + 1, i;
	char when[32];

	(void)netmap_time_format(expires, when, sizeof(when));
	buf_printf(b, "{\n  \"version\": 1,\n  \"serial\": 7,\n  \"expires\": \"%s\",\n", when);
	buf_printf(b, "  \"domain\": \"mesh.example.com\",\n  \"nodes\": [\n");
	for (i = 0; i < nodes; i++) {
		uint8_t key[KEYS_LEN], seed[sizeof(uint64_t)];
		char key64[KEYS_B64_LEN + 1];
		uint64_t v = i;

		memcpy(seed, &v, sizeof(seed));
		crypto_generichash(key, sizeof(key), seed, sizeof(seed), NULL, 0);
		keys_to_base64(key, key64);
		buf_printf(b,
		    "    {\"name\": \"node-%zu\", \"key\": \"%s\",\n"
		    "     \"addresses\": [\"100.%zu.%zu.%zu\", \"fd7a:115c:a1e0::%zx\"],\n"
		    "     \"endpoints\": [\"198.51.%zu.%zu:41641\"],\n",
		    i, key64, 64 + (i >> 16), (i >> 8) & 0xff, i & 0xff, i + 1, (i >> 8) & 0xff,
		    i & 0xff);
		if (i % 2)
			buf_printf(b, "     \"owner\": \"user%zu@example.com\",\n", i % users);
		else
			buf_printf(b, "     \"tags\": [\"tag:prod\", \"tag:web\"],\n");
		buf_printf(
		    b, "     \"hostKeys\": [\"%s\"]}%s\n", host_key, i + 1 < nodes ? "," : "");
	}
	buf_printf(b, "  ],\n  \"users\": [\n");
	for (i = 0; i < users; i++)
		buf_printf(b,
		    "    {\"id\": \"idp|%zu\", \"login\": \"user%zu@example.com\", "
		    "\"displayName\": \"User %zu\", \"groups\": [\"eng\"]}%s\n",
		    i, i, i, i + 1 < users ? "," : "");
	buf_printf(b, "  ]\n}\n");
}

static int
write_fixture(const char *dir, const struct buf *doc, const char *sig, size_t siglen,
    const struct trust_signing_key *k)
{
	struct mesh_error err = {0};
	char path[4096], pub[TRUST_PUBKEY_TEXT_MAX], line[TRUST_PUBKEY_TEXT_MAX + 1];

	trust_pubkey_format(k->pub, pub);
	(void)snprintf(line, sizeof(line), "%s\n", pub);
	if (snprintf(path, sizeof(path), "%s/netmap.json", dir) >= (int)sizeof(path) ||
	    mesh_file_write_atomic(path, doc->p, doc->len, 0644, &err) != 0 ||
	    snprintf(path, sizeof(path), "%s/netmap.json.sig", dir) >= (int)sizeof(path) ||
	    mesh_file_write_atomic(path, sig, siglen, 0644, &err) != 0 ||
	    snprintf(path, sizeof(path), "%s/trusted-keys", dir) >= (int)sizeof(path) ||
	    mesh_file_write_atomic(path, line, strlen(line), 0644, &err) != 0) {
		fprintf(stderr, "bench_netmap: %s\n", err.text);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct buf doc = {0};
	struct trust_signing_key k;
	struct trust_keys tk = {0};
	uint8_t trusted[1][TRUST_PUBKEY_LEN];
	struct mesh_error err = {0};
	struct netmap *nm = NULL;
	struct netmap_addr *probe;
	size_t nodes = BENCH_NODES_DEFAULT, nprobe, i, found = 0, siglen = 0;
	const char *write_dir = NULL;
	char *sig = NULL;
	double t0, c0, load_ns, load_cpu_ns, anchor_ns, whois_ns, whois_cpu_ns, linear_ns;
	int64_t now = (int64_t)time(NULL);
	int i_arg;

	for (i_arg = 1; i_arg < argc; i_arg++) {
		if (strcmp(argv[i_arg], "--nodes") == 0 && i_arg + 1 < argc)
			nodes = strtoul(argv[++i_arg], NULL, 10);
		else if (strcmp(argv[i_arg], "--write") == 0 && i_arg + 1 < argc)
			write_dir = argv[++i_arg];
		else {
			fprintf(stderr, "usage: bench_netmap [--nodes N] [--write DIR]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || nodes == 0 || nodes > 65535 * 250)
		return 2;
	gen_netmap(&doc, nodes, now + BENCH_EXPIRES_IN_S);
	if (trust_signing_key_generate(&k) != 0 ||
	    trust_sign(NETMAP_SIG_CONTEXT, (const uint8_t *)doc.p, doc.len, &k, &sig, &siglen) != 0)
		return 1;
	memcpy(trusted[0], k.pub, sizeof(trusted[0]));
	tk.keys = trusted;
	tk.nkeys = 1;
	if (write_dir && write_fixture(write_dir, &doc, sig, siglen, &k) != 0)
		return 1;

	/* anchor: jansson alone on the same bytes */
	t0 = now_ns();
	for (i = 0; i < BENCH_LOAD_RUNS; i++) {
		json_t *j = json_loadb(doc.p, doc.len, JSON_REJECT_DUPLICATES, NULL);

		if (j == NULL)
			return 1;
		json_decref(j);
	}
	anchor_ns = (now_ns() - t0) / BENCH_LOAD_RUNS;

	/* load: signature check + parse + validation + indexes + freshness */
	t0 = now_ns();
	c0 = cpu_ns();
	for (i = 0; i < BENCH_LOAD_RUNS; i++) {
		netmap_free(nm);
		nm = NULL;
		if (netmap_verify_signature((const uint8_t *)doc.p, doc.len, (const uint8_t *)sig,
			siglen, &tk, &err) != 0 ||
		    netmap_parse((const uint8_t *)doc.p, doc.len, &nm, &err) != 0 ||
		    netmap_check_fresh(nm, 0, now, &err) != 0) {
			fprintf(stderr, "bench_netmap: %u:%u: %s\n", err.line, err.col, err.text);
			return 1;
		}
	}
	load_ns = (now_ns() - t0) / BENCH_LOAD_RUNS;
	load_cpu_ns = (cpu_ns() - c0) / BENCH_LOAD_RUNS;

	/* whois: every address in a shuffled order, plus misses */
	nprobe = nm->nindex * 2;
	if ((probe = calloc(nprobe, sizeof(*probe))) == NULL)
		return 1;
	for (i = 0; i < nm->nnodes; i++) {
		probe[2 * i] = nm->nodes[i].addrs[0];
		probe[2 * i + 1] = nm->nodes[i].addrs[1];
		probe[2 * i + 1].bytes[3] ^= (i % 4 == 0) ? 0x40 : 0; /* a quarter of v6 miss */
	}
	for (i = nprobe - 1; i > 0; i--) {
		size_t j = randombytes_uniform((uint32_t)(i + 1));
		struct netmap_addr t = probe[i];

		probe[i] = probe[j];
		probe[j] = t;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	for (i = 0; i < BENCH_WHOIS_LOOKUPS; i++)
		found += netmap_whois(nm, &probe[i % nprobe]) != NULL;
	whois_ns = (now_ns() - t0) / BENCH_WHOIS_LOOKUPS;
	whois_cpu_ns = (cpu_ns() - c0) / BENCH_WHOIS_LOOKUPS;

	/* anchor: linear scan over the nodes' addresses */
	t0 = now_ns();
	for (i = 0; i < BENCH_LINEAR_LOOKUPS; i++) {
		const struct netmap_addr *a = &probe[i % nprobe];
		size_t n, m;

		for (n = 0; n < nm->nnodes; n++)
			for (m = 0; m < nm->nodes[n].naddrs; m++)
				if (memcmp(&nm->nodes[n].addrs[m], a, sizeof(*a)) == 0)
					goto hit;
		continue;
hit:
		found++;
	}
	linear_ns = (now_ns() - t0) / BENCH_LINEAR_LOOKUPS;

	printf("netmap: %zu nodes, %zu users, %zu addresses, %zu bytes\n", nm->nnodes, nm->nusers,
	    nm->nindex, doc.len);
	printf("load+verify: %.2f ms (cpu %.2f ms; jansson parse alone: %.2f ms, ratio %.2f); "
	       "target < %.0f ms: %s\n",
	    load_ns / NS_PER_MS, load_cpu_ns / NS_PER_MS, anchor_ns / NS_PER_MS,
	    load_ns / anchor_ns, BENCH_LOAD_TARGET_MS,
	    load_ns / NS_PER_MS < BENCH_LOAD_TARGET_MS ? "PASS" : "FAIL");
	printf("whois: %.1f ns per lookup (cpu %.1f ns; linear scan: %.0f ns, ratio %.4f); "
	       "target < %.0f ns: %s\n",
	    whois_ns, whois_cpu_ns, linear_ns, whois_ns / linear_ns, BENCH_WHOIS_TARGET_NS,
	    whois_ns < BENCH_WHOIS_TARGET_NS ? "PASS" : "FAIL");
	printf("(%zu hits)\n", found);
	free(probe);
	netmap_free(nm);
	free(sig);
	free(doc.p);
	trust_signing_key_wipe(&k);
	return 0;
}
