/*
 * meshctl netmap commands: authoring (init, add-node, remove-node, add-user)
 * without hand-editing JSON, signing and verifying, and the read side that
 * other tools call: whois ADDR and known-hosts HOST (for ssh_config's
 * KnownHostsCommand).  Every edit re-validates the whole netmap, raises the
 * serial by one and renews the expiry; a refused edit leaves the file as it
 * was.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd_util.h"
#include "fileio.h"
#include "keys.h"
#include "meshctl.h"
#include "netmap.h"
#include "trust.h"

#define NETMAP_DEFAULT_PATH	  LOCALSTATEDIR "/lib/meshssh/netmap.json"
#define NETMAP_STATE_DEFAULT_PATH LOCALSTATEDIR "/lib/meshssh/netmap.serial"
#define TRUSTED_KEYS_DEFAULT_PATH SYSCONFDIR "/meshssh/trusted-keys"
#define NETMAP_FILE_MODE	  0644
#define NETMAP_VALID_DAYS_DEFAULT 30
#define NETMAP_VALID_DAYS_MAX	  3650
#define SECONDS_PER_DAY		  86400
#define HOST_KEY_FILE_MAX	  16384u
#define TIME_TEXT_MAX		  32
#define PATH_TEXT_MAX		  4096

/* Where to read a netmap from and how to trust it. */
struct load_opts {
	const char *netmap;
	const char *sig; /* NULL: netmap + ".sig" */
	const char *trusted;
	const char *state; /* NULL: no rollback check */
};

static int
sig_path(const char *netmap, const char *sig, char *buf, size_t len)
{
	int n = sig ? snprintf(buf, len, "%s", sig) : snprintf(buf, len, "%s.sig", netmap);

	return n < 0 || (size_t)n >= len ? MESH_ERR_RANGE : MESH_OK;
}

/*
 * An edit's error: positions refer to the re-serialised document, not to
 * the operator's file, so report the field path and message only.
 */
static void
report_edit(const char *what, struct mesh_error *err)
{
	err->line = err->col = 0;
	err->source[0] = '\0';
	meshctl_report(what, err);
}

/* Read, verify and parse per o; reports errors under what. */
static int
load_verified(const char *what, const struct load_opts *o, struct netmap **nm)
{
	struct trust_keys *tk = NULL;
	struct mesh_error err = {0};
	char sig[PATH_TEXT_MAX];
	uint64_t last = 0;
	int r;

	if (sig_path(o->netmap, o->sig, sig, sizeof(sig)) != 0) {
		meshctl_err("%s: path too long", what);
		return MESH_ERR_RANGE;
	}
	if ((r = trust_keys_load(o->trusted, &tk, &err)) != 0 ||
	    (o->state && (r = netmap_serial_read(o->state, &last, &err)) != 0) ||
	    (r = netmap_load(o->netmap, sig, tk, last, (int64_t)time(NULL), nm, &err)) != 0)
		meshctl_report(what, &err);
	trust_keys_free(tk);
	return r;
}

/* Parse --netmap/--sig/--trusted/--state; returns the first operand index or -1. */
static int
parse_load_opts(int argc, char **argv, struct load_opts *o)
{
	static const struct option opts[] = {
	    {"netmap", required_argument, NULL, 'n'},
	    {"sig", required_argument, NULL, 's'},
	    {"trusted", required_argument, NULL, 't'},
	    {"state", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->netmap = NETMAP_DEFAULT_PATH;
	o->sig = NULL;
	o->trusted = TRUSTED_KEYS_DEFAULT_PATH;
	o->state = NULL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "n:s:t:S:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->netmap = optarg;
			break;
		case 's':
			o->sig = optarg;
			break;
		case 't':
			o->trusted = optarg;
			break;
		case 'S':
			o->state = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

/* An authoring file: the operator's own, so no owner/mode rules. */
static int
read_netmap(const char *what, const char *path, struct netmap **nm)
{
	struct mesh_error err = {0};
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = mesh_file_read(path, MESH_FILE_MAX_BYTES, 0, &buf, &len, &err)) == 0) {
		(void)snprintf(err.source, sizeof(err.source), "%s", path);
		r = netmap_parse(buf, len, nm, &err);
	}
	if (r != 0)
		meshctl_report(what, &err);
	free(buf);
	return r;
}

/* New serial, new expiry, canonical JSON, atomic replace. */
static int
write_netmap(const char *what, const char *path, struct netmap *nm, long valid_days)
{
	struct mesh_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int r;

	nm->serial++;
	nm->expires = (int64_t)time(NULL) + (int64_t)valid_days * SECONDS_PER_DAY;
	if ((r = netmap_to_json(nm, &text, &len)) != 0) {
		meshctl_err("%s: %s", what, mesh_strerror(r));
		return r;
	}
	if ((r = mesh_file_write_atomic(path, text, len, NETMAP_FILE_MODE, &err)) != 0)
		meshctl_report(what, &err);
	free(text);
	return r;
}

static int
parse_days(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > NETMAP_VALID_DAYS_MAX)
		return MESH_ERR_USAGE;
	*out = v;
	return MESH_OK;
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"valid-days", required_argument, NULL, 'v'},
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct netmap *nm = NULL;
	long days = NETMAP_VALID_DAYS_DEFAULT;
	const char *domain = NULL;
	struct mesh_error err = {0};
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int c, force = 0, r = MESHCTL_EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "d:v:f", opts, NULL)) != -1) {
		if (c == 'd')
			domain = optarg;
		else if (c == 'v' && parse_days(optarg, &days) == 0)
			continue;
		else if (c == 'f')
			force = 1;
		else
			return meshctl_usage("netmap init");
	}
	if (optind + 1 != argc)
		return meshctl_usage("netmap init");
	if (!force && lstat(argv[optind], &st) == 0) {
		meshctl_err("netmap init: %s exists (use --force to replace it)", argv[optind]);
		return MESHCTL_EXIT_FAIL;
	}
	if (netmap_new(&nm) != 0 || (domain && (nm->domain = strdup(domain)) == NULL)) {
		meshctl_err("netmap init: out of memory");
		goto out;
	}
	/* validate (the domain) by a round trip through the parser */
	if (netmap_to_json(nm, &text, &len) != 0) {
		meshctl_err("netmap init: out of memory");
		goto out;
	}
	netmap_free(nm);
	nm = NULL;
	if (netmap_parse((const uint8_t *)text, len, &nm, &err) != 0) {
		meshctl_report("netmap init", &err);
		goto out;
	}
	if (write_netmap("netmap init", argv[optind], nm, days) == 0)
		r = MESHCTL_EXIT_OK;
out:
	free(text);
	netmap_free(nm);
	return r;
}

/* "TYPE BASE64 [comment]" from an OpenSSH .pub file, without the comment. */
static char *
read_host_key(const char *path)
{
	struct mesh_error err = {0};
	uint8_t *buf = NULL;
	size_t len = 0, type;
	char *p, *key = NULL;

	if (mesh_file_read(path, HOST_KEY_FILE_MAX, 0, &buf, &len, &err) != 0) {
		report_edit("netmap add-node", &err);
		return NULL;
	}
	p = (char *)buf;
	p += strspn(p, " \t");
	type = strcspn(p, " \t\r\n");
	if (p[type] == ' ' || p[type] == '\t') {
		size_t gap = strspn(p + type, " \t");
		size_t blob = strcspn(p + type + gap, " \t\r\n");

		if (blob > 0 && (key = malloc(type + 1 + blob + 1)) != NULL) {
			memcpy(key, p, type);
			key[type] = ' ';
			memcpy(key + type + 1, p + type + gap, blob);
			key[type + 1 + blob] = '\0';
		}
	}
	if (key == NULL)
		meshctl_err(
		    "netmap add-node: %s: not an SSH public key (\"TYPE BASE64 [comment]\")", path);
	free(buf);
	return key;
}

enum add_node_opt {
	OPT_KEY = 'k',
	OPT_ADDR = 'a',
	OPT_OWNER = 'o',
	OPT_TAG = 't',
	OPT_ENDPOINT = 'e',
	OPT_HOST_KEY = 'H',
	OPT_VALID_DAYS = 'v',
};

/* Create the owner's user entry when it is missing (id = login). */
static int
ensure_owner(struct netmap **nm, const char *login)
{
	struct netmap_user u = {0};
	struct mesh_error err = {0};

	if (netmap_user_by_login(*nm, login) != NULL)
		return MESH_OK;
	u.id = u.login = (char *)login;
	if (netmap_add_user(nm, &u, &err) != 0) {
		report_edit("netmap add-node: --owner", &err);
		return MESH_ERR_INVALID;
	}
	printf("created user %s\n", login);
	return MESH_OK;
}

static int
cmd_add_node(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, OPT_KEY},
	    {"addr", required_argument, NULL, OPT_ADDR},
	    {"owner", required_argument, NULL, OPT_OWNER},
	    {"tag", required_argument, NULL, OPT_TAG},
	    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
	    {"host-key", required_argument, NULL, OPT_HOST_KEY},
	    {"valid-days", required_argument, NULL, OPT_VALID_DAYS},
	    {NULL, 0, NULL, 0},
	};
	struct meshctl_list addrs = {0}, tags = {0}, endpoints = {0}, hkfiles = {0}, hks = {0};
	struct netmap_node node = {0};
	struct netmap *nm = NULL;
	struct mesh_error err = {0};
	const char *key = NULL, *file;
	long days = NETMAP_VALID_DAYS_DEFAULT;
	size_t i;
	int c, r = MESHCTL_EXIT_FAIL;

	if (meshctl_list_init(&addrs, argc) != 0 || meshctl_list_init(&tags, argc) != 0 ||
	    meshctl_list_init(&endpoints, argc) != 0 || meshctl_list_init(&hkfiles, argc) != 0 ||
	    meshctl_list_init(&hks, argc) != 0) {
		meshctl_err("netmap add-node: out of memory");
		goto out;
	}
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:a:o:t:e:H:v:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_ADDR:
			meshctl_list_add(&addrs, optarg);
			break;
		case OPT_OWNER:
			node.owner = optarg;
			break;
		case OPT_TAG:
			meshctl_list_add(&tags, optarg);
			break;
		case OPT_ENDPOINT:
			meshctl_list_add(&endpoints, optarg);
			break;
		case OPT_HOST_KEY:
			meshctl_list_add(&hkfiles, optarg);
			break;
		case OPT_VALID_DAYS:
			if (parse_days(optarg, &days) == 0)
				break;
			/* FALLTHROUGH */
		default:
			r = meshctl_usage("netmap add-node");
			goto out;
		}
	}
	if (optind + 2 != argc || key == NULL || addrs.n == 0) {
		r = meshctl_usage("netmap add-node");
		goto out;
	}
	file = argv[optind];
	node.name = argv[optind + 1];
	if (keys_from_base64(key, node.key) != 0) {
		meshctl_err("netmap add-node: --key %s: not a WireGuard public key", key);
		goto out;
	}
	if ((node.addrs = calloc(addrs.n, sizeof(*node.addrs))) == NULL)
		goto out;
	for (i = 0; i < addrs.n; i++)
		if (netmap_addr_parse(addrs.v[i], &node.addrs[node.naddrs++]) != 0) {
			meshctl_err(
			    "netmap add-node: --addr %s: not an IPv4 or IPv6 address", addrs.v[i]);
			goto out;
		}
	for (i = 0; i < hkfiles.n; i++) {
		char *hk = read_host_key(hkfiles.v[i]);

		if (hk == NULL)
			goto out;
		meshctl_list_add(&hks, hk);
	}
	node.tags = tags.v;
	node.ntags = tags.n;
	node.endpoints = endpoints.v;
	node.nendpoints = endpoints.n;
	node.host_keys = hks.v;
	node.nhost_keys = hks.n;
	if (read_netmap("netmap add-node", file, &nm) != 0 ||
	    (node.owner && ensure_owner(&nm, node.owner) != 0))
		goto out;
	if (netmap_add_node(&nm, &node, &err) != 0) {
		report_edit("netmap add-node", &err);
		goto out;
	}
	if (write_netmap("netmap add-node", file, nm, days) == 0) {
		printf("added node %s (serial %" PRIu64 ")\n", node.name, nm->serial);
		r = MESHCTL_EXIT_OK;
	}
out:
	for (i = 0; i < hks.n; i++)
		free(hks.v[i]);
	free(node.addrs);
	meshctl_list_free(&addrs);
	meshctl_list_free(&tags);
	meshctl_list_free(&endpoints);
	meshctl_list_free(&hkfiles);
	meshctl_list_free(&hks);
	netmap_free(nm);
	return r;
}

static int
cmd_remove_node(int argc, char **argv)
{
	struct netmap *nm = NULL;
	struct mesh_error err = {0};
	int r = MESHCTL_EXIT_FAIL;

	if (argc != 3)
		return meshctl_usage("netmap remove-node");
	if (read_netmap("netmap remove-node", argv[1], &nm) != 0)
		goto out;
	if (netmap_remove_node(&nm, argv[2], &err) != 0) {
		report_edit("netmap remove-node", &err);
		goto out;
	}
	if (write_netmap("netmap remove-node", argv[1], nm, NETMAP_VALID_DAYS_DEFAULT) == 0) {
		printf("removed node %s (serial %" PRIu64 ")\n", argv[2], nm->serial);
		r = MESHCTL_EXIT_OK;
	}
out:
	netmap_free(nm);
	return r;
}

static int
cmd_add_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"name", required_argument, NULL, 'n'},
	    {"group", required_argument, NULL, 'g'},
	    {NULL, 0, NULL, 0},
	};
	struct meshctl_list groups = {0};
	struct netmap_user u = {0};
	struct netmap *nm = NULL;
	struct mesh_error err = {0};
	int c, r = MESHCTL_EXIT_FAIL;

	if (meshctl_list_init(&groups, argc) != 0)
		return MESHCTL_EXIT_FAIL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "i:n:g:", opts, NULL)) != -1) {
		if (c == 'i') {
			u.id = optarg;
		} else if (c == 'n') {
			u.display_name = optarg;
		} else if (c == 'g') {
			meshctl_list_add(&groups, optarg);
		} else {
			r = meshctl_usage("netmap add-user");
			goto out;
		}
	}
	if (optind + 2 != argc) {
		r = meshctl_usage("netmap add-user");
		goto out;
	}
	u.login = argv[optind + 1];
	if (u.id == NULL)
		u.id = u.login;
	u.groups = groups.v;
	u.ngroups = groups.n;
	if (read_netmap("netmap add-user", argv[optind], &nm) != 0)
		goto out;
	if (netmap_add_user(&nm, &u, &err) != 0) {
		report_edit("netmap add-user", &err);
		goto out;
	}
	if (write_netmap("netmap add-user", argv[optind], nm, NETMAP_VALID_DAYS_DEFAULT) == 0) {
		printf("added user %s (serial %" PRIu64 ")\n", u.login, nm->serial);
		r = MESHCTL_EXIT_OK;
	}
out:
	meshctl_list_free(&groups);
	netmap_free(nm);
	return r;
}

static int
cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct trust_signing_key key = {0};
	struct mesh_error err = {0};
	const char *keyfile = NULL, *out = NULL;
	char sigfile[PATH_TEXT_MAX], pub[TRUST_PUBKEY_TEXT_MAX], when[TIME_TEXT_MAX];
	struct netmap *nm = NULL;
	uint8_t *doc = NULL;
	char *sig = NULL;
	size_t len = 0, siglen = 0;
	int c, r = MESHCTL_EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "k:o:", opts, NULL)) != -1) {
		if (c == 'k')
			keyfile = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return meshctl_usage("netmap sign");
	}
	if (keyfile == NULL || optind + 1 != argc)
		return meshctl_usage("netmap sign");
	if (sig_path(argv[optind], out, sigfile, sizeof(sigfile)) != 0) {
		meshctl_err("netmap sign: path too long");
		return MESHCTL_EXIT_FAIL;
	}
	/* never sign what a node would refuse */
	if (mesh_file_read(argv[optind], MESH_FILE_MAX_BYTES, 0, &doc, &len, &err) != 0) {
		meshctl_report("netmap sign", &err);
		goto out;
	}
	(void)snprintf(err.source, sizeof(err.source), "%s", argv[optind]);
	if (netmap_parse(doc, len, &nm, &err) != 0) {
		meshctl_report("netmap sign", &err);
		goto out;
	}
	if (nm->expires <= (int64_t)time(NULL)) {
		(void)netmap_time_format(nm->expires, when, sizeof(when));
		meshctl_err("netmap sign: %s: serial %" PRIu64 " expired at %s (edit it to renew)",
		    argv[optind], nm->serial, when);
		goto out;
	}
	if (trust_signing_key_load(keyfile, &key, &err) != 0) {
		meshctl_report("netmap sign", &err);
		goto out;
	}
	if (trust_sign(NETMAP_SIG_CONTEXT, doc, len, &key, &sig, &siglen) != 0) {
		meshctl_err("netmap sign: signing failed");
		goto out;
	}
	mesh_error_clear(&err);
	err.source[0] = '\0';
	if (mesh_file_write_atomic(sigfile, sig, siglen, NETMAP_FILE_MODE, &err) != 0) {
		meshctl_report("netmap sign", &err);
		goto out;
	}
	trust_pubkey_format(key.pub, pub);
	printf("signed %s (serial %" PRIu64 ", %zu nodes) with %s: %s\n", argv[optind], nm->serial,
	    nm->nnodes, pub, sigfile);
	r = MESHCTL_EXIT_OK;
out:
	trust_signing_key_wipe(&key);
	netmap_free(nm);
	free(doc);
	free(sig);
	return r;
}

static int
cmd_verify(int argc, char **argv)
{
	struct load_opts o;
	struct netmap *nm = NULL;
	char when[TIME_TEXT_MAX];
	int first = parse_load_opts(argc, argv, &o);

	if (first < 0 || first + 1 != argc)
		return meshctl_usage("netmap verify");
	o.netmap = argv[first];
	if (load_verified("netmap verify", &o, &nm) != 0)
		return MESHCTL_EXIT_FAIL;
	(void)netmap_time_format(nm->expires, when, sizeof(when));
	printf("%s: ok: serial %" PRIu64 ", %zu nodes, %zu users, expires %s\n", o.netmap,
	    nm->serial, nm->nnodes, nm->nusers, when);
	netmap_free(nm);
	return MESHCTL_EXIT_OK;
}

static void
print_node(const struct netmap *nm, const struct netmap_node *n)
{
	char text[NETMAP_ADDR_TEXT_MAX], key[KEYS_B64_LEN + 1];
	size_t i;

	keys_to_base64(n->key, key);
	printf("node: %s\n", n->name);
	if (nm->domain)
		printf("fqdn: %s.%s\n", n->name, nm->domain);
	printf("key: %s\naddresses:", key);
	for (i = 0; i < n->naddrs; i++)
		if (netmap_addr_format(&n->addrs[i], text, sizeof(text)) == 0)
			printf(" %s", text);
	printf("\n");
	if (n->user) {
		printf("owner: %s\nowner-id: %s\n", n->user->login, n->user->id);
		if (n->user->display_name)
			printf("owner-name: %s\n", n->user->display_name);
	}
	if (n->ntags) {
		printf("tags:");
		for (i = 0; i < n->ntags; i++)
			printf(" %s", n->tags[i]);
		printf("\n");
	}
}

static int
cmd_whois(int argc, char **argv)
{
	struct load_opts o;
	struct netmap *nm = NULL;
	struct netmap_addr a;
	const struct netmap_node *n;
	int first = parse_load_opts(argc, argv, &o), r = MESHCTL_EXIT_FAIL;

	if (first < 0 || first + 1 != argc)
		return meshctl_usage("whois");
	if (netmap_addr_parse(argv[first], &a) != 0) {
		meshctl_err("whois: %s: not an IPv4 or IPv6 address", argv[first]);
		return MESHCTL_EXIT_USAGE;
	}
	if (load_verified("whois", &o, &nm) != 0)
		return MESHCTL_EXIT_FAIL;
	if ((n = netmap_whois(nm, &a)) == NULL) {
		meshctl_err("whois: %s: no node has this address", argv[first]);
	} else {
		print_node(nm, n);
		r = MESHCTL_EXIT_OK;
	}
	netmap_free(nm);
	return r;
}

/* known_hosts lines "name,fqdn,addr... TYPE BASE64" for HOST (name, FQDN or address). */
static int
cmd_known_hosts(int argc, char **argv)
{
	struct load_opts o;
	struct netmap *nm = NULL;
	struct netmap_addr a;
	const struct netmap_node *n;
	char text[NETMAP_ADDR_TEXT_MAX];
	size_t i, j;
	int first = parse_load_opts(argc, argv, &o);

	if (first < 0 || first + 1 != argc)
		return meshctl_usage("known-hosts");
	if (load_verified("known-hosts", &o, &nm) != 0)
		return MESHCTL_EXIT_FAIL;
	n = netmap_node_by_name(nm, argv[first]);
	if (n == NULL && netmap_addr_parse(argv[first], &a) == 0)
		n = netmap_whois(nm, &a);
	if (n == NULL) {
		meshctl_err("known-hosts: %s: not a node in the netmap", argv[first]);
		netmap_free(nm);
		return MESHCTL_EXIT_FAIL;
	}
	for (i = 0; i < n->nhost_keys; i++) {
		printf("%s", n->name);
		if (nm->domain)
			printf(",%s.%s", n->name, nm->domain);
		for (j = 0; j < n->naddrs; j++)
			if (netmap_addr_format(&n->addrs[j], text, sizeof(text)) == 0)
				printf(",%s", text);
		printf(" %s\n", n->host_keys[i]);
	}
	netmap_free(nm);
	return MESHCTL_EXIT_OK;
}

const struct meshctl_cmd meshctl_cmds_netmap[] = {
    {"netmap init", "FILE [--domain DOMAIN] [--valid-days N] [--force]", "create an empty netmap",
	cmd_init},
    {"netmap add-node",
	"FILE NAME --key PUB --addr ADDR... [--owner LOGIN] [--tag TAG]... "
	"[--endpoint HOST:PORT]... [--host-key FILE]... [--valid-days N]",
	"add a node (a missing owner gets a user entry)", cmd_add_node},
    {"netmap remove-node", "FILE NAME", "remove a node", cmd_remove_node},
    {"netmap add-user", "FILE LOGIN [--id ID] [--name DISPLAY-NAME] [--group GROUP]...",
	"add a user", cmd_add_user},
    {"netmap sign", "--key FILE [--out SIGFILE] NETMAP", "sign a netmap (writes NETMAP.sig)",
	cmd_sign},
    {"netmap verify", "[--trusted FILE] [--sig FILE] [--state FILE] NETMAP",
	"check signature, syntax, serial and expiry", cmd_verify},
    {"whois", "[--netmap FILE] [--sig FILE] [--trusted FILE] ADDR",
	"which node and owner have this mesh address", cmd_whois},
    {"known-hosts", "[--netmap FILE] [--sig FILE] [--trusted FILE] HOST",
	"the node's SSH host keys in known_hosts format (for KnownHostsCommand)", cmd_known_hosts},
    {NULL, NULL, NULL, NULL},
};
