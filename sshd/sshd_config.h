/*
 * meshsshd's configuration: the keyword table over lib/conf's tokenizer, the
 * struct it fills and the defaults.  Parsing is pure (sshd_config_parse takes
 * bytes); sshd_config_load reads a root-owned file.  Every error names the
 * file and line.  Format in man/meshsshd.conf.5.
 */
#ifndef MESH_SSHD_CONFIG_H
#define MESH_SSHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "oidc.h"
#include "provision.h"
#include "record_conf.h"

#define SSHD_DEFAULT_PORT	     22
#define SSHD_DEFAULT_INTERFACE	     "mesh0"
#define SSHD_DEFAULT_GRACE_S	     60
#define SSHD_DEFAULT_STARTUPS_BEGIN  10
#define SSHD_DEFAULT_STARTUPS_RATE   30
#define SSHD_DEFAULT_STARTUPS_FULL   100
#define SSHD_DEFAULT_ALIVE_COUNT_MAX 3
#define SSHD_DEFAULT_SFTP_SERVER     "/usr/lib/openssh/sftp-server"
#define SSHD_MAX_LISTEN		     16
#define SSHD_MAX_HOSTKEYS	     8
#define SSHD_DEFAULT_MAX_SESSIONS    10 /* as sshd */
#define SSHD_MAX_SESSIONS_MAX	     1024
/* AllowTcpForwarding: which directions */
#define SSHD_FWD_LOCAL	0x1 /* direct-tcpip: ssh -L, -D */
#define SSHD_FWD_REMOTE 0x2 /* tcpip-forward: ssh -R */

/* One ListenAddress: host (numeric) and port (0 = the Port keyword's). */
struct sshd_listen {
	char *host;
	unsigned port; /* 1..65535 */
};

struct sshd_config {
	struct sshd_listen listen[SSHD_MAX_LISTEN];
	size_t nlisten; /* 0: every address on the interface */
	unsigned port;	/* 1..65535 */
	char *interface;
	char *host_keys[SSHD_MAX_HOSTKEYS];
	size_t nhost_keys; /* 0 before defaults are applied */
	char *netmap_file;
	char *netmap_sig_file; /* default: netmap_file + ".sig" */
	char *trusted_keys_file;
	char *policy_file;
	char *node_name; /* NULL: derived from the listen addresses */
	char *pid_file;
	char *banner; /* file shown before auth; NULL: none */
	char *sftp_server;
	int log_level; /* enum mesh_log_level */
	uint64_t login_grace_s;
	unsigned startups_begin, startups_rate, startups_full;
	uint64_t client_alive_interval_s; /* 0: off */
	unsigned client_alive_count_max;
	bool print_motd;
	bool print_last_log;
	bool use_pam;
	unsigned allow_tcp_forwarding; /* SSHD_FWD_* bits */
	bool allow_agent_forwarding;
	bool permit_tty;
	unsigned max_sessions;	    /* open session channels per connection; 0: none */
	struct provision_conf prov; /* Provision* keywords (lib/provision.h) */
	struct oidc_config oidc;    /* OIDC* keywords (lib/oidc.h): the SSO check */
	struct sshd_rec_conf rec;   /* AuditSink, Recording* keywords (record_conf.h) */
#ifdef MESH_TEST_BUILD
	bool test_unbound;   /* TestUnboundListen: no SO_BINDTODEVICE, loopback allowed */
	char *test_id_login; /* TestIdentity LOGIN NODE: whois answer for any source */
	char *test_id_node;
	bool test_accept_all;	/* TestAcceptAll: policy accepts every user */
	char *test_pam_service; /* TestPamService NAME */
#endif
};

/* A config with every default set (HostKey defaults are applied at parse end). */
int sshd_config_new(struct sshd_config **out);
void sshd_config_free(struct sshd_config *c);

/* Parse buf into c (which holds defaults); on error c is partly filled: free it. */
int sshd_config_parse(struct sshd_config *c, const char *buf, size_t len, struct mesh_error *err);

/*
 * The effective configuration, one "keyword value" line per setting with
 * every default filled in (meshsshd -T, as sshd -T): lower-case keywords,
 * values quoted where they need it, so that the output parses back to the
 * same configuration.
 */
void sshd_config_dump(const struct sshd_config *c, FILE *f);

/* Read path (root-owned, not group/world-writable) and parse it into a new config. */
int sshd_config_load(const char *path, struct sshd_config **out, struct mesh_error *err);

#endif
