/*
 * meshsshd.conf: the keyword table.  Each keyword has one handler that checks
 * its arguments and fills struct sshd_config; unknown keywords are errors (a
 * typo must not silently weaken the daemon).
 */
#include "config.h"

#include <arpa/inet.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "recorder.h"
#include "sshd_config.h"

#define SSHD_CONF_DIR	       SYSCONFDIR "/meshssh"
#define SSHD_PORT_MAX	       65535
#define SSHD_INCLUDE_DEPTH_MAX 8
#define SSHD_STARTUPS_MAX      100000
#define SSHD_ALIVE_MAX	       1000
#define SSHD_PERCENT_MAX       100

static const char *const sshd_default_host_keys[] = {
    SSHD_CONF_DIR "/ssh_host_ed25519_key",
    SSHD_CONF_DIR "/ssh_host_ecdsa_key",
};

static int
sshd_set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return MESH_ERR_NOMEM;
	free(*dst);
	*dst = s;
	return MESH_OK;
}

int
sshd_config_new(struct sshd_config **out)
{
	struct sshd_config *c = calloc(1, sizeof(*c));
	int r = MESH_ERR_NOMEM;

	if (c == NULL)
		return MESH_ERR_NOMEM;
	c->port = SSHD_DEFAULT_PORT;
	c->log_level = MESH_LOG_INFO;
	c->login_grace_s = SSHD_DEFAULT_GRACE_S;
	c->startups_begin = SSHD_DEFAULT_STARTUPS_BEGIN;
	c->startups_rate = SSHD_DEFAULT_STARTUPS_RATE;
	c->startups_full = SSHD_DEFAULT_STARTUPS_FULL;
	c->client_alive_count_max = SSHD_DEFAULT_ALIVE_COUNT_MAX;
	c->print_motd = true;
	c->allow_tcp_forwarding = SSHD_FWD_LOCAL | SSHD_FWD_REMOTE;
	c->allow_agent_forwarding = true;
	c->permit_tty = true;
	c->max_sessions = SSHD_DEFAULT_MAX_SESSIONS;
	c->print_last_log = true;
	c->use_pam = true;
	oidc_config_init(&c->oidc);
	provision_conf_init(&c->prov);
	sshd_rec_conf_init(&c->rec);
	c->prov.use_lckpwdf = true;
	if (sshd_set_str(&c->interface, SSHD_DEFAULT_INTERFACE) != 0 ||
	    sshd_set_str(&c->netmap_file, LOCALSTATEDIR "/lib/meshssh/netmap.json") != 0 ||
	    sshd_set_str(&c->trusted_keys_file, SSHD_CONF_DIR "/trusted-keys") != 0 ||
	    sshd_set_str(&c->policy_file, SSHD_CONF_DIR "/policy.hujson") != 0 ||
	    sshd_set_str(&c->pid_file, RUNSTATEDIR "/meshsshd.pid") != 0 ||
	    sshd_set_str(&c->sftp_server, SSHD_DEFAULT_SFTP_SERVER) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = MESH_OK;
out:
	sshd_config_free(c);
	return r;
}

void
sshd_config_free(struct sshd_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i].host);
	for (i = 0; i < c->nhost_keys; i++)
		free(c->host_keys[i]);
	free(c->interface);
	free(c->netmap_file);
	free(c->netmap_sig_file);
	free(c->trusted_keys_file);
	free(c->policy_file);
	free(c->node_name);
	free(c->pid_file);
	free(c->banner);
	free(c->sftp_server);
	provision_conf_free(&c->prov);
	oidc_config_clear(&c->oidc);
	sshd_rec_conf_free(&c->rec);
#ifdef MESH_TEST_BUILD
	free(c->test_id_login);
	free(c->test_id_node);
	free(c->test_pam_service);
#endif
	free(c);
}

/* "addr", "addr:port", "[v6]:port" or "v6"; the address must be numeric. */
static int
sshd_kw_listen(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *a = l->args[0], *port = NULL;
	unsigned char sa[sizeof(struct in6_addr)];
	const char *colon;
	uint64_t p = 0;
	int r;

	if (c->nlisten >= SSHD_MAX_LISTEN)
		return mesh_error_set(err, MESH_ERR_RANGE, l->line, 0,
		    "ListenAddress: at most %d addresses", SSHD_MAX_LISTEN);
	if (a[0] == '[') {
		const char *end = strchr(a, ']');

		if (end == NULL || (size_t)(end - a - 1) >= sizeof(host) ||
		    (end[1] != '\0' && end[1] != ':'))
			goto bad;
		memcpy(host, a + 1, (size_t)(end - a - 1));
		host[end - a - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
	} else if ((colon = strchr(a, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		if ((size_t)(colon - a) >= sizeof(host))
			goto bad;
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
		port = colon + 1;
	} else {
		if (strlen(a) >= sizeof(host))
			goto bad;
		memcpy(host, a, strlen(a) + 1);
	}
	if (inet_pton(AF_INET, host, sa) != 1 && inet_pton(AF_INET6, host, sa) != 1)
		goto bad;
	if (port != NULL) {
		struct conf_line pl = *l;

		pl.args[0] = port;
		pl.nargs = 1;
		if ((r = conf_arg_uint(&pl, 0, 1, SSHD_PORT_MAX, &p, err)) != 0)
			return r;
	}
	if ((c->listen[c->nlisten].host = strdup(host)) == NULL)
		return MESH_ERR_NOMEM;
	c->listen[c->nlisten].port = (uint16_t)p;
	c->nlisten++;
	return MESH_OK;
bad:
	return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
	    "ListenAddress: \"%s\" is not a numeric address (a.b.c.d[:port] or [v6][:port])", a);
}

static int
sshd_kw_hostkey(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	if (c->nhost_keys >= SSHD_MAX_HOSTKEYS)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, l->line, 0, "HostKey: at most %d keys", SSHD_MAX_HOSTKEYS);
	if (l->args[0][0] != '/')
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "HostKey: \"%s\" is not an absolute path", l->args[0]);
	if ((c->host_keys[c->nhost_keys] = strdup(l->args[0])) == NULL)
		return MESH_ERR_NOMEM;
	c->nhost_keys++;
	return MESH_OK;
}

static int
sshd_kw_path(char **dst, const struct conf_line *l, struct mesh_error *err)
{
	if (l->args[0][0] != '/')
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "%s: \"%s\" is not an absolute path", l->keyword, l->args[0]);
	return sshd_set_str(dst, l->args[0]);
}

static int
sshd_kw_loglevel(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	int lvl = mesh_log_level_parse(l->args[0]);

	if (lvl < 0)
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "LogLevel: unknown level \"%s\" (QUIET, ERROR, INFO, VERBOSE, DEBUG..DEBUG3)",
		    l->args[0]);
	c->log_level = lvl;
	return MESH_OK;
}

/* "start" or "start:rate:full", as sshd's MaxStartups. */
static int
sshd_kw_startups(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	unsigned long b, rate, full;
	char tail;
	int n;

	n = sscanf(l->args[0], "%lu:%lu:%lu%c", &b, &rate, &full, &tail);
	if (n == 1 && strspn(l->args[0], "0123456789") == strlen(l->args[0])) {
		rate = SSHD_PERCENT_MAX;
		full = b;
	} else if (n != 3 || strspn(l->args[0], "0123456789:") != strlen(l->args[0])) {
		goto bad;
	}
	if (b < 1 || b > SSHD_STARTUPS_MAX || full < b || full > SSHD_STARTUPS_MAX || rate < 1 ||
	    rate > SSHD_PERCENT_MAX)
		goto bad;
	c->startups_begin = (unsigned)b;
	c->startups_rate = (unsigned)rate;
	c->startups_full = (unsigned)full;
	return MESH_OK;
bad:
	return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
	    "MaxStartups: \"%s\" is not start[:rate:full] with 1 <= start <= full and rate 1..100",
	    l->args[0]);
}

struct sshd_kw {
	const char *name;
	size_t nargs;
	int (*fn)(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err);
	size_t off; /* for plain string/path/bool/number keywords handled generically */
	enum { KW_FN, KW_PATH, KW_STR, KW_BOOL, KW_SECONDS, KW_UINT } kind;
	unsigned min, max; /* KW_UINT: the bounds; the field is an unsigned */
};

#define KW_OFF(f) offsetof(struct sshd_config, f)

/* AllowTcpForwarding yes|all|no|local|remote, as sshd's. */
static int
sshd_kw_tcp_fwd(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	static const struct {
		const char *name;
		unsigned bits;
	} v[] = {
	    {"yes", SSHD_FWD_LOCAL | SSHD_FWD_REMOTE},
	    {"all", SSHD_FWD_LOCAL | SSHD_FWD_REMOTE},
	    {"no", 0},
	    {"local", SSHD_FWD_LOCAL},
	    {"remote", SSHD_FWD_REMOTE},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcasecmp(l->args[0], v[i].name) == 0) {
			c->allow_tcp_forwarding = v[i].bits;
			return MESH_OK;
		}
	return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
	    "AllowTcpForwarding: \"%s\" is not yes, all, no, local or remote", l->args[0]);
}

#ifdef MESH_TEST_BUILD
static int
sshd_kw_test_identity(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	int r;

	if ((r = sshd_set_str(&c->test_id_login, l->args[0])) != 0)
		return r;
	return sshd_set_str(&c->test_id_node, l->args[1]);
}
#endif

static const struct sshd_kw sshd_keywords[] = {
    {"ListenAddress", 1, sshd_kw_listen, 0, KW_FN, 0, 0},
    {"Port", 1, NULL, KW_OFF(port), KW_UINT, 1, SSHD_PORT_MAX},
    {"Interface", 1, NULL, KW_OFF(interface), KW_STR, 0, 0},
    {"HostKey", 1, sshd_kw_hostkey, 0, KW_FN, 0, 0},
    {"NetmapFile", 1, NULL, KW_OFF(netmap_file), KW_PATH, 0, 0},
    {"NetmapSignatureFile", 1, NULL, KW_OFF(netmap_sig_file), KW_PATH, 0, 0},
    {"TrustedKeysFile", 1, NULL, KW_OFF(trusted_keys_file), KW_PATH, 0, 0},
    {"PolicyFile", 1, NULL, KW_OFF(policy_file), KW_PATH, 0, 0},
    {"NodeName", 1, NULL, KW_OFF(node_name), KW_STR, 0, 0},
    {"PidFile", 1, NULL, KW_OFF(pid_file), KW_PATH, 0, 0},
    {"Banner", 1, NULL, KW_OFF(banner), KW_PATH, 0, 0},
    {"SftpServer", 1, NULL, KW_OFF(sftp_server), KW_PATH, 0, 0},
    {"LogLevel", 1, sshd_kw_loglevel, 0, KW_FN, 0, 0},
    {"LoginGraceTime", 1, NULL, KW_OFF(login_grace_s), KW_SECONDS, 0, 0},
    {"MaxStartups", 1, sshd_kw_startups, 0, KW_FN, 0, 0},
    {"ClientAliveInterval", 1, NULL, KW_OFF(client_alive_interval_s), KW_SECONDS, 0, 0},
    {"ClientAliveCountMax", 1, NULL, KW_OFF(client_alive_count_max), KW_UINT, 1, SSHD_ALIVE_MAX},
    {"PrintMotd", 1, NULL, KW_OFF(print_motd), KW_BOOL, 0, 0},
    {"PrintLastLog", 1, NULL, KW_OFF(print_last_log), KW_BOOL, 0, 0},
    {"UsePAM", 1, NULL, KW_OFF(use_pam), KW_BOOL, 0, 0},
    {"AllowTcpForwarding", 1, sshd_kw_tcp_fwd, 0, KW_FN, 0, 0},
    {"AllowAgentForwarding", 1, NULL, KW_OFF(allow_agent_forwarding), KW_BOOL, 0, 0},
    {"PermitTTY", 1, NULL, KW_OFF(permit_tty), KW_BOOL, 0, 0},
    {"MaxSessions", 1, NULL, KW_OFF(max_sessions), KW_UINT, 0, SSHD_MAX_SESSIONS_MAX},
#ifdef MESH_TEST_BUILD
    {"TestUnboundListen", 1, NULL, KW_OFF(test_unbound), KW_BOOL, 0, 0},
    {"TestIdentity", 2, sshd_kw_test_identity, 0, KW_FN, 0, 0},
    {"TestAcceptAll", 1, NULL, KW_OFF(test_accept_all), KW_BOOL, 0, 0},
    {"TestPamService", 1, NULL, KW_OFF(test_pam_service), KW_STR, 0, 0},
#endif
};

static int sshd_config_line(const struct conf_line *l, void *ctx, struct mesh_error *err);

/*
 * Include PATTERN...: each absolute glob(3) pattern's files, in sorted
 * order, read in place (root-owned, not group/world-writable, as the main
 * file); a pattern that matches nothing is no error.  An error in an
 * included file names that file and its line.
 */
static int
sshd_kw_include(struct sshd_config *c, const struct conf_line *l, struct mesh_error *err)
{
	static unsigned depth;
	char source[sizeof(err->source)];
	size_t i, j;
	int r = MESH_OK;

	if (l->nargs == 0)
		return mesh_error_set(err, MESH_ERR_PARSE, l->line, 0, "Include: no file named");
	if (depth >= SSHD_INCLUDE_DEPTH_MAX)
		return mesh_error_set(err, MESH_ERR_RANGE, l->line, 0,
		    "Include: nested more than %d deep (does a file include itself?)",
		    SSHD_INCLUDE_DEPTH_MAX);
	(void)snprintf(source, sizeof(source), "%s", err->source);
	for (i = 0; i < l->nargs && r == MESH_OK; i++) {
		glob_t g;
		int gr;

		if (l->args[i][0] != '/')
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "Include: \"%s\" is not an absolute path", l->args[i]);
		gr = glob(l->args[i], GLOB_ERR, NULL, &g);
		if (gr == GLOB_NOMATCH)
			continue;
		if (gr != 0)
			return mesh_error_set(err, MESH_ERR_IO, l->line, 0,
			    "Include: cannot expand \"%s\"", l->args[i]);
		depth++;
		for (j = 0; j < g.gl_pathc && r == MESH_OK; j++)
			r = conf_load(g.gl_pathv[j], sshd_config_line, c, err);
		depth--;
		globfree(&g);
	}
	if (r == MESH_OK)
		(void)snprintf(err->source, sizeof(err->source), "%s", source);
	return r;
}

static int
sshd_config_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	struct sshd_config *c = ctx;
	const struct sshd_kw *kw = NULL;
	char *base = (char *)c;
	size_t i;
	int r;

	if (strcasecmp(l->keyword, "Include") == 0)
		return sshd_kw_include(c, l, err);
	for (i = 0; i < sizeof(sshd_keywords) / sizeof(sshd_keywords[0]); i++)
		if (strcasecmp(l->keyword, sshd_keywords[i].name) == 0)
			kw = &sshd_keywords[i];
	if (kw == NULL) {
		/* ProvisionUsers, ProvisionUidRange, ... belong to lib/provision */
		r = provision_conf_keyword(&c->prov, l, err);
		if (r != MESH_ERR_NOTFOUND)
			return r;
		/* OIDCIssuer, OIDCClientID, ... belong to lib/oidc */
		r = oidc_config_keyword(&c->oidc, l, err);
		if (r != MESH_ERR_NOTFOUND)
			return r;
		r = sshd_rec_conf_keyword(&c->rec, l, err);
		if (r != MESH_ERR_NOTFOUND)
			return r;
		return mesh_error_set(
		    err, MESH_ERR_INVALID, l->line, 1, "unknown keyword \"%s\"", l->keyword);
	}
	if ((r = conf_want_args(l, kw->nargs, false, err)) != 0)
		return r;
	switch (kw->kind) {
	case KW_FN:
		return kw->fn(c, l, err);
	case KW_PATH:
		return sshd_kw_path((char **)(void *)(base + kw->off), l, err);
	case KW_STR:
		return sshd_set_str((char **)(void *)(base + kw->off), l->args[0]);
	case KW_BOOL:
		return conf_arg_bool(l, 0, (bool *)(void *)(base + kw->off), err);
	case KW_SECONDS:
		return conf_arg_seconds(l, 0, (uint64_t *)(void *)(base + kw->off), err);
	case KW_UINT: {
		uint64_t v;

		if ((r = conf_arg_uint(l, 0, kw->min, kw->max, &v, err)) != 0)
			return r;
		*(unsigned *)(void *)(base + kw->off) = (unsigned)v;
		return MESH_OK;
	}
	}
	return MESH_ERR_INVALID;
}

/* Defaults that depend on other keywords. */
static int
sshd_config_finish(struct sshd_config *c, struct mesh_error *err)
{
	size_t i;

	if (c->nhost_keys == 0) {
		for (i = 0; i < sizeof(sshd_default_host_keys) / sizeof(sshd_default_host_keys[0]);
		     i++) {
			if ((c->host_keys[i] = strdup(sshd_default_host_keys[i])) == NULL)
				return MESH_ERR_NOMEM;
			c->nhost_keys++;
		}
	}
	if (c->netmap_sig_file == NULL) {
		size_t n = strlen(c->netmap_file) + sizeof(".sig");

		if ((c->netmap_sig_file = malloc(n)) == NULL)
			return MESH_ERR_NOMEM;
		(void)snprintf(c->netmap_sig_file, n, "%s.sig", c->netmap_file);
	}
	if (c->interface[0] == '\0' || strlen(c->interface) >= 16)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "Interface: \"%s\" is not an interface name", c->interface);
	if (oidc_config_enabled(&c->oidc))
		return oidc_config_validate(&c->oidc, err);
	return MESH_OK;
}

int
sshd_config_parse(struct sshd_config *c, const char *buf, size_t len, struct mesh_error *err)
{
	int r;

	if ((r = conf_parse(buf, len, sshd_config_line, c, err)) != 0)
		return r;
	return sshd_config_finish(c, err);
}

int
sshd_config_load(const char *path, struct sshd_config **out, struct mesh_error *err)
{
	struct sshd_config *c = NULL;
	int r;

	if ((r = sshd_config_new(&c)) != 0)
		return r;
	if ((r = conf_load(path, sshd_config_line, c, err)) != 0 ||
	    (r = sshd_config_finish(c, err)) != 0) {
		sshd_config_free(c);
		return r;
	}
	*out = c;
	return MESH_OK;
}

/* ---- meshsshd -T ---------------------------------------------------------- */

/* A value as the tokenizer reads it back: double-quoted when it has a blank or '#'. */
static void
sshd_dump_str(FILE *f, const char *kw, const char *v)
{
	if (v == NULL)
		return;
	if (*v == '\0' || strpbrk(v, " \t#=") != NULL)
		(void)fprintf(f, "%s \"%s\"\n", kw, v);
	else
		(void)fprintf(f, "%s %s\n", kw, v);
}

static void
sshd_dump_bool(FILE *f, const char *kw, bool v)
{
	(void)fprintf(f, "%s %s\n", kw, v ? "yes" : "no");
}

void
sshd_config_dump(const struct sshd_config *c, FILE *f)
{
	static const char *const fwd[] = {"no", "local", "remote", "yes"};
	static const char *const rec[] = {
	    [SSHD_REC_POLICY] = "policy", [SSHD_REC_ALL] = "yes", [SSHD_REC_NONE] = "no"};
	size_t i;

	(void)fprintf(f, "port %u\n", (unsigned)c->port);
	for (i = 0; i < c->nlisten; i++) {
		const char *h = c->listen[i].host;

		if (c->listen[i].port == 0)
			(void)fprintf(f, "listenaddress %s\n", h);
		else if (strchr(h, ':') != NULL)
			(void)fprintf(f, "listenaddress [%s]:%u\n", h, (unsigned)c->listen[i].port);
		else
			(void)fprintf(f, "listenaddress %s:%u\n", h, (unsigned)c->listen[i].port);
	}
	sshd_dump_str(f, "interface", c->interface);
	for (i = 0; i < c->nhost_keys; i++)
		sshd_dump_str(f, "hostkey", c->host_keys[i]);
	sshd_dump_str(f, "netmapfile", c->netmap_file);
	sshd_dump_str(f, "netmapsignaturefile", c->netmap_sig_file);
	sshd_dump_str(f, "trustedkeysfile", c->trusted_keys_file);
	sshd_dump_str(f, "policyfile", c->policy_file);
	sshd_dump_str(f, "nodename", c->node_name);
	sshd_dump_str(f, "pidfile", c->pid_file);
	sshd_dump_str(f, "banner", c->banner);
	sshd_dump_str(f, "sftpserver", c->sftp_server);
	(void)fprintf(f, "loglevel %s\n", mesh_log_level_name((enum mesh_log_level)c->log_level));
	(void)fprintf(f, "logingracetime %" PRIu64 "\n", c->login_grace_s);
	(void)fprintf(
	    f, "maxstartups %u:%u:%u\n", c->startups_begin, c->startups_rate, c->startups_full);
	(void)fprintf(f, "clientaliveinterval %" PRIu64 "\n", c->client_alive_interval_s);
	(void)fprintf(f, "clientalivecountmax %u\n", c->client_alive_count_max);
	sshd_dump_bool(f, "printmotd", c->print_motd);
	sshd_dump_bool(f, "printlastlog", c->print_last_log);
	sshd_dump_bool(f, "usepam", c->use_pam);
	(void)fprintf(f, "allowtcpforwarding %s\n", fwd[c->allow_tcp_forwarding & 3]);
	sshd_dump_bool(f, "allowagentforwarding", c->allow_agent_forwarding);
	sshd_dump_bool(f, "permittty", c->permit_tty);
	(void)fprintf(f, "maxsessions %u\n", c->max_sessions);
	/* lib/provision's keywords */
	sshd_dump_bool(f, "provisionusers", c->prov.enabled);
	(void)fprintf(
	    f, "provisionuidrange %u-%u\n", (unsigned)c->prov.uid_min, (unsigned)c->prov.uid_max);
	sshd_dump_str(f, "provisionhomebase", c->prov.home_base);
	sshd_dump_str(f, "provisionshell", c->prov.shell);
	for (i = 0; i < c->prov.nmap; i++)
		(void)fprintf(f, "provisiongroupmap %s %s\n", c->prov.map[i].idp_group,
		    c->prov.map[i].host_group);
	sshd_dump_str(f, "provisionsystemduserdb",
	    c->prov.systemd_userdb_dir[0] ? c->prov.systemd_userdb_dir : "no");
	/* lib/oidc's: only when the SSO check is configured */
	if (c->oidc.issuer != NULL) {
		sshd_dump_str(f, "oidcissuer", c->oidc.issuer);
		sshd_dump_str(f, "oidcclientid", c->oidc.client_id);
		sshd_dump_str(f, "oidcclientsecretfile", c->oidc.client_secret_file);
		sshd_dump_str(f, "oidcclaim", oidc_claim_name(c->oidc.claim));
		sshd_dump_str(f, "oidccabundle", c->oidc.ca_bundle);
		(void)fprintf(f, "oidctimeout %u\n", c->oidc.timeout_s);
		sshd_dump_str(f, "oidccheckcachefile", c->oidc.check_cache_file);
	}
	/* recording and audit (record_conf.h): sink lines as written */
	for (i = 0; i < c->rec.naudit_sinks; i++)
		(void)fprintf(f, "auditsink %s\n", c->rec.audit_sinks[i]);
	for (i = 0; i < c->rec.nrec_sinks; i++)
		(void)fprintf(f, "recordingsink %s\n", c->rec.rec_sinks[i]);
	sshd_dump_str(
	    f, "recordingspool", c->rec.spool_dir ? c->rec.spool_dir : REC_DEFAULT_SPOOL_DIR);
	(void)fprintf(f, "recordingspoolmaxsize %" PRIu64 "\n", c->rec.spool_max);
	sshd_dump_bool(f, "recordinput", c->rec.record_input);
	(void)fprintf(f, "recordsessions %s\n", rec[c->rec.record_sessions]);
	if (c->rec.no_shipper)
		(void)fprintf(f, "recordingshipper none\n");
	else if (c->rec.shipper)
		sshd_dump_str(f, "recordingshipper", c->rec.shipper);
#ifdef MESH_TEST_BUILD
	/* a test build's knobs are settings too */
	if (c->test_unbound)
		sshd_dump_bool(f, "testunboundlisten", true);
	if (c->test_id_login)
		(void)fprintf(f, "testidentity %s %s\n", c->test_id_login, c->test_id_node);
	if (c->test_accept_all)
		sshd_dump_bool(f, "testacceptall", true);
	sshd_dump_str(f, "testpamservice", c->test_pam_service);
#endif
}
