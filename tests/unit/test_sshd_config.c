/*
 * meshsshd.conf keywords: defaults, every keyword, and errors that name the
 * line (a bad line must not half-apply: the daemon keeps the old config).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sshd_config_fixture.h"

static void
test_defaults(void)
{
	struct sshd_config *c = NULL;
	struct mesh_error err;

	is_int(sshd_test_parse("", &c, &err), 0, "empty config parses");
	is_int(c->port, 22, "default port 22");
	is_str(c->interface, "mesh0", "default interface mesh0");
	is_int(c->nhost_keys, 2, "two default host keys");
	ok(strstr(c->host_keys[0], "ed25519") != NULL, "first default key is ed25519");
	ok(strstr(c->host_keys[1], "ecdsa") != NULL, "second default key is ecdsa");
	ok(strstr(c->netmap_sig_file, "netmap.json.sig") != NULL, "signature defaults to .sig");
	is_str(c->sftp_server, "/usr/lib/openssh/sftp-server", "default sftp server");
	is_int(c->startups_begin, 10, "MaxStartups begin 10");
	is_int(c->startups_full, 100, "MaxStartups full 100");
	ok(c->nlisten == 0, "no ListenAddress: the interface's addresses");
	is_int(c->allow_tcp_forwarding, SSHD_FWD_LOCAL | SSHD_FWD_REMOTE,
	    "AllowTcpForwarding defaults to yes");
	ok(c->allow_agent_forwarding && c->permit_tty,
	    "agent forwarding and ttys allowed by default");
	is_int(c->max_sessions, 10, "MaxSessions defaults to 10, as sshd");
	sshd_config_free(c);
}

static void
test_keywords(void)
{
	struct sshd_config *c = NULL;
	struct mesh_error err;
	const char *text = "Port 2222\n"
			   "listenaddress 100.64.0.1\n"
			   "ListenAddress [fd7a:115c:a1e0::1]:2200\n"
			   "ListenAddress 100.64.0.2:23\n"
			   "Interface wg0\n"
			   "HostKey /k/ed25519\n"
			   "NetmapFile /n/map.json\n"
			   "TrustedKeysFile /t/keys\n"
			   "PolicyFile /p/policy\n"
			   "NodeName web-1\n"
			   "PidFile /run/x.pid\n"
			   "LogLevel DEBUG2\n"
			   "LoginGraceTime 1m30s\n"
			   "MaxStartups 5:50:20\n"
			   "SftpServer /usr/lib/sftp\n"
			   "ProvisionUsers yes\n"
			   "ProvisionUidRange 80000-80999\n"
			   "ClientAliveInterval 15\n"
			   "ClientAliveCountMax 4\n"
			   "PrintMotd no\n"
			   "AllowTcpForwarding local\n"
			   "AllowAgentForwarding no\n"
			   "PermitTTY no\n"
			   "MaxSessions 0\n";

	is_int(sshd_test_parse(text, &c, &err), 0, "every keyword parses");
	if (err.code)
		printf("#   %u: %s\n", err.line, err.text);
	is_int(c->port, 2222, "Port");
	is_int(c->nlisten, 3, "three ListenAddress");
	is_str(c->listen[0].host, "100.64.0.1", "v4 listen address");
	is_int(c->listen[0].port, 0, "no port: use Port");
	is_str(c->listen[1].host, "fd7a:115c:a1e0::1", "v6 listen address");
	is_int(c->listen[1].port, 2200, "v6 port");
	is_int(c->listen[2].port, 23, "v4 port");
	is_str(c->interface, "wg0", "Interface");
	is_int(c->nhost_keys, 1, "explicit HostKey replaces defaults");
	is_str(c->netmap_sig_file, "/n/map.json.sig", "signature follows NetmapFile");
	is_str(c->node_name, "web-1", "NodeName");
	is_int(c->log_level, 5, "LogLevel DEBUG2");
	is_int(c->login_grace_s, 90, "LoginGraceTime 1m30s");
	is_int(c->startups_begin, 5, "MaxStartups begin");
	is_int(c->startups_rate, 50, "MaxStartups rate");
	is_int(c->startups_full, 20, "MaxStartups full");
	is_int(c->client_alive_interval_s, 15, "ClientAliveInterval");
	is_int(c->client_alive_count_max, 4, "ClientAliveCountMax");
	ok(!c->print_motd, "PrintMotd no");
	is_int(c->allow_tcp_forwarding, SSHD_FWD_LOCAL, "AllowTcpForwarding local");
	ok(!c->allow_agent_forwarding, "AllowAgentForwarding no");
	ok(!c->permit_tty, "PermitTTY no");
	is_int(c->max_sessions, 0, "MaxSessions 0");
	ok(c->prov.enabled, "ProvisionUsers yes (lib/provision keyword)");
	is_int(c->prov.uid_min, 80000, "ProvisionUidRange min");
	sshd_config_free(c);
}

static void
test_errors(void)
{
	static const struct sshd_bad_case cases[] = {
	    {"Port 0\n", 1, "Port"},
	    {"Port 22\nPort 70000\n", 2, "between 1 and 65535"},
	    {"Bogus yes\n", 1, "unknown keyword \"Bogus\""},
	    {"ListenAddress example.com\n", 1, "not a numeric address"},
	    {"ListenAddress 1.2.3.4:0\n", 1, "between"},
	    {"HostKey relative/key\n", 1, "absolute path"},
	    {"LogLevel LOUD\n", 1, "unknown level"},
	    {"MaxStartups 10:30\n", 1, "MaxStartups"},
	    {"MaxStartups 20:30:10\n", 1, "MaxStartups"},
	    {"ProvisionUidRange 10-5\n", 1, "ProvisionUidRange"},
	    {"LoginGraceTime soon\n", 1, "not a time"},
	    {"Port\n", 1, "expected 1 argument"},
	    {"Interface averyveryverylongname\n", 0, "not an interface name"},
	    {"AllowTcpForwarding sometimes\n", 1, "yes, all, no, local or remote"},
	    {"AllowAgentForwarding perhaps\n", 1, "AllowAgentForwarding"},
	    {"MaxSessions 5000\n", 1, "MaxSessions"},
	    {"MaxSessions -1\n", 1, "MaxSessions"},
	};
	sshd_test_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* meshsshd -T: the dump parses back to a config that dumps the same. */
static void
test_dump_round_trip(void)
{
	static const char text[] = "Port 2222\n"
				   "ListenAddress 100.64.0.1\n"
				   "ListenAddress [fd7a:115c:a1e0::1]:2200\n"
				   "ListenAddress 100.64.0.1:23\n"
				   "HostKey \"/k/with space\"\n"
				   "NodeName web-1\n"
				   "LogLevel DEBUG2\n"
				   "LoginGraceTime 1m30s\n"
				   "MaxStartups 5:50:20\n"
				   "AllowTcpForwarding remote\n"
				   "PermitTTY no\n"
				   "MaxSessions 3\n"
				   "ProvisionUsers yes\n"
				   "ProvisionGroupMap group:admins sudo\n"
				   "OIDCIssuer https://idp.example.com\n"
				   "OIDCClientID meshssh\n"
				   "OIDCClaim sub\n"
				   "AuditSink file:/var/log/meshssh\n"
				   "RecordingSink loki:http://127.0.0.1:3100 tenant=x\n"
				   "RecordSessions yes\n"
				   "RecordingShipper none\n";
	struct sshd_config *c = NULL, *d = NULL;
	struct mesh_error err;
	char *one = NULL, *two = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *f;

	is_int(sshd_test_parse(text, &c, &err), 0, "dump: the source config parses");
	f = open_memstream(&one, &n1);
	sshd_config_dump(c, f);
	fclose(f);
	if (!ok(sshd_test_parse(one, &d, &err) == 0, "dump: the output parses back"))
		printf("#   %u: %s\n", err.line, err.text);
	f = open_memstream(&two, &n2);
	if (d)
		sshd_config_dump(d, f);
	fclose(f);
	ok(n1 > 0 && n1 == n2 && memcmp(one, two, n1) == 0, "dump: parse(dump(c)) dumps the same");
	ok(strstr(one, "hostkey \"/k/with space\"\n") != NULL, "dump: a blank in a path is quoted");
	ok(strstr(one, "listenaddress [fd7a:115c:a1e0::1]:2200\n") != NULL,
	    "dump: a v6 address with a port in brackets");
	ok(strstr(one, "maxstartups 5:50:20\nclientaliveinterval 0\n") != NULL,
	    "dump: MaxStartups, then a default (ClientAliveInterval 0)");
	ok(strstr(one, "allowtcpforwarding remote\n") != NULL && strstr(one, "maxsessions 3\n"),
	    "dump: the forwarding and session limits");
	ok(strstr(one, "logingracetime 90\n") != NULL, "dump: times in seconds");
	ok(strstr(one, "recordingsink loki:http://127.0.0.1:3100 tenant=x\n") != NULL,
	    "dump: a sink line as written");
	ok(strstr(one, "oidcclaim sub\n") != NULL && strstr(one, "recordingshipper none\n"),
	    "dump: OIDC and shipper settings");
	free(one);
	free(two);
	sshd_config_free(c);
	sshd_config_free(d);
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	(void)chmod(path, mode);
}

/* Include: drop-ins in sorted order, the last value wins, errors name the included file. */
static void
test_include(void)
{
	char dir[] = "/tmp/test_sshd_include.XXXXXX", main_text[1200], path[512];
	struct sshd_config *c = NULL;
	struct mesh_error err;

	if (!ok(mkdtemp(dir) != NULL, "include: a temp dir"))
		return;
	(void)snprintf(path, sizeof(path), "%s/conf.d", dir);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/conf.d/10-a.conf", dir);
	put(path, "MaxSessions 3\nPort 2201\n", 0644);
	(void)snprintf(path, sizeof(path), "%s/conf.d/20-b.conf", dir);
	put(path, "Port 2202\n", 0644);
	(void)snprintf(main_text, sizeof(main_text),
	    "Port 2200\nInclude %s/conf.d/*.conf %s/none-*.conf\nPermitTTY no\n", dir, dir);
	is_int(sshd_test_parse(main_text, &c, &err), 0, "include: the drop-ins are read");
	if (err.code)
		printf("#   %s:%u: %s\n", err.source, err.line, err.text);
	is_int(c->port, 2202, "include: in sorted order, the last value wins");
	is_int(c->max_sessions, 3, "include: a drop-in's keyword applies");
	ok(!c->permit_tty, "include: the main file goes on after the Include line");
	sshd_config_free(c);

	(void)snprintf(path, sizeof(path), "%s/conf.d/30-bad.conf", dir);
	put(path, "# comment\nMaxSessions lots\n", 0644);
	ok(sshd_test_parse(main_text, &c, &err) != 0, "include: an error in a drop-in fails");
	ok(strstr(err.source, "30-bad.conf") != NULL && err.line == 2,
	    "include: the error names the drop-in and its line");
	sshd_config_free(c);
	put(path, "MaxSessions 4\n", 0664);
	ok(sshd_test_parse(main_text, &c, &err) != 0 && strstr(err.text, "writable") != NULL,
	    "include: a group-writable drop-in is refused");
	if (strstr(err.text, "writable") == NULL)
		printf("#   %s\n", err.text);
	sshd_config_free(c);
	(void)unlink(path);

	(void)snprintf(path, sizeof(path), "%s/loop.conf", dir);
	(void)snprintf(main_text, sizeof(main_text), "Include %s\n", path);
	put(path, main_text, 0644);
	ok(sshd_test_parse(main_text, &c, &err) != 0 && strstr(err.text, "nested") != NULL,
	    "include: a file that includes itself is refused");
	sshd_config_free(c);
	ok(sshd_test_parse("Include conf.d/*.conf\n", &c, &err) != 0 &&
		strstr(err.text, "absolute") != NULL,
	    "include: a relative pattern is refused");
	sshd_config_free(c);
	(void)snprintf(main_text, sizeof(main_text), "rm -rf '%s'", dir);
	if (system(main_text) != 0)
		printf("#   cleanup of %s failed\n", dir);
}

int
main(void)
{
	test_defaults();
	test_keywords();
	test_errors();
	test_dump_round_trip();
	test_include();
	return tap_done();
}
