/*
 * meshsshd.conf recording and audit keywords (sshd/record_conf.c) through
 * sshd_config_parse: defaults, each keyword, and bad lines named by line.
 */
#include "config.h"

#include <string.h>

#include "sshd_config_fixture.h"

static void
test_defaults(void)
{
	struct sshd_config *c = NULL;
	struct mesh_error err;

	is_int(sshd_test_parse("", &c, &err), 0, "empty config parses");
	is_int(c->rec.naudit_sinks, 0, "no audit sink: embedded default");
	is_int(c->rec.nrec_sinks, 0, "no recording sink: embedded default");
	ok(c->rec.spool_dir == NULL, "spool: recorder default");
	ok(c->rec.spool_max == SSHD_REC_DEFAULT_SPOOL_MAX, "spool max 256 MiB");
	ok(!c->rec.record_input, "input not recorded by default");
	ok(c->rec.record_sessions == SSHD_REC_POLICY,
	    "by default the policy says what is recorded");
	ok(c->rec.shipper == NULL && !c->rec.no_shipper, "the installed shipper by default");
	sshd_config_free(c);
}

static void
test_keywords(void)
{
	struct sshd_config *c = NULL;
	struct mesh_error err;
	const char *text = "AuditSink file:/var/log/a\n"
			   "AuditSink syslog:logs.example:514\n"
			   "RecordingSink file:/var/log/r\n"
			   "RecordingSpool /var/spool/x\n"
			   "RecordingSpoolMaxSize 2097152\n"
			   "RecordInput yes\n"
			   "RecordingShipper /opt/ship\n"
			   "RecordSessions no\n";

	is_int(sshd_test_parse(text, &c, &err), 0, "recording keywords parse");
	is_int(c->rec.naudit_sinks, 2, "two audit sinks");
	is_str(c->rec.audit_sinks[0], "file:/var/log/a", "audit sink kept as written");
	is_str(c->rec.audit_sinks[1], "syslog:logs.example:514", "second audit sink");
	is_int(c->rec.nrec_sinks, 1, "one recording sink");
	is_str(c->rec.rec_sinks[0], "file:/var/log/r", "recording sink");
	is_str(c->rec.spool_dir, "/var/spool/x", "spool dir");
	ok(c->rec.spool_max == 2097152, "spool max");
	ok(c->rec.record_input, "RecordInput yes");
	is_str(c->rec.shipper, "/opt/ship", "RecordingShipper path");
	ok(c->rec.record_sessions == SSHD_REC_NONE, "RecordSessions no");
	sshd_config_free(c);
	is_int(sshd_test_parse("RecordingShipper /opt/ship\nRecordingShipper none\n", &c, &err), 0,
	    "RecordingShipper none parses");
	ok(c->rec.no_shipper && c->rec.shipper == NULL, "RecordingShipper none: no shipper");
	sshd_config_free(c);
	is_int(sshd_test_parse("RecordSessions yes\n", &c, &err), 0, "RecordSessions yes parses");
	ok(c->rec.record_sessions == SSHD_REC_ALL, "RecordSessions yes: every session");
	sshd_config_free(c);
	is_int(sshd_test_parse("RecordSessions no\nRecordSessions policy\n", &c, &err), 0,
	    "RecordSessions policy parses");
	ok(c->rec.record_sessions == SSHD_REC_POLICY, "RecordSessions policy (the last one wins)");
	sshd_config_free(c);
	/* which sessions are recorded */
	ok(!sshd_rec_wanted(SSHD_REC_POLICY, false, false), "policy: a rule without recorder: not");
	ok(sshd_rec_wanted(SSHD_REC_POLICY, true, false), "policy: a rule naming a recorder: yes");
	ok(sshd_rec_wanted(SSHD_REC_POLICY, false, true), "policy: enforceRecorder: yes");
	ok(sshd_rec_wanted(SSHD_REC_ALL, false, false), "yes: every session");
	ok(!sshd_rec_wanted(SSHD_REC_NONE, true, true), "no: none (enforce then refuses)");
}

static void
test_errors(void)
{
	static const struct sshd_bad_case cases[] = {
	    {"Port 22\nAuditSink nosuch:/x\n", 2, "nosuch"},
	    {"Port 22\nRecordingSink\n", 2, "RecordingSink"},
	    {"Port 22\nRecordingSpool relative/dir\n", 2, "not an absolute path"},
	    {"Port 22\nRecordingSpoolMaxSize 10\n", 2, "RecordingSpoolMaxSize"},
	    {"Port 22\nRecordInput maybe\n", 2, "RecordInput"},
	    {"Port 22\nRecordingShipper ship\n", 2, "neither none nor an absolute path"},
	    {"Port 22\nRecordSessions sometimes\n", 2, "RecordSessions"},
	};

	sshd_test_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

int
main(void)
{
	test_defaults();
	test_keywords();
	test_errors();
	return tap_done();
}
