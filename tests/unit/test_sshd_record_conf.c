/*
 * meshsshd.conf recording and audit keywords (sshd/record_conf.c) through
 * sshd_config_parse: defaults, each keyword, and bad lines named by line.
 */
#include "config.h"

#include <string.h>

#include "sshd_config.h"
#include "tap.h"

static int
parse(const char *text, struct sshd_config **out, struct mesh_error *err)
{
	int r;

	mesh_error_clear(err);
	if ((r = sshd_config_new(out)) != 0)
		return r;
	return sshd_config_parse(*out, text, strlen(text), err);
}

static void
test_defaults(void)
{
	struct sshd_config *c = NULL;
	struct mesh_error err;

	is_int(parse("", &c, &err), 0, "empty config parses");
	is_int(c->rec.naudit_sinks, 0, "no audit sink: embedded default");
	is_int(c->rec.nrec_sinks, 0, "no recording sink: embedded default");
	ok(c->rec.spool_dir == NULL, "spool: recorder default");
	ok(c->rec.spool_max == SSHD_REC_DEFAULT_SPOOL_MAX, "spool max 256 MiB");
	ok(!c->rec.record_input, "input not recorded by default");
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
			   "RecordInput yes\n";

	is_int(parse(text, &c, &err), 0, "recording keywords parse");
	is_int(c->rec.naudit_sinks, 2, "two audit sinks");
	is_str(c->rec.audit_sinks[0], "file:/var/log/a", "audit sink kept as written");
	is_str(c->rec.audit_sinks[1], "syslog:logs.example:514", "second audit sink");
	is_int(c->rec.nrec_sinks, 1, "one recording sink");
	is_str(c->rec.rec_sinks[0], "file:/var/log/r", "recording sink");
	is_str(c->rec.spool_dir, "/var/spool/x", "spool dir");
	ok(c->rec.spool_max == 2097152, "spool max");
	ok(c->rec.record_input, "RecordInput yes");
	sshd_config_free(c);
}

static void
test_errors(void)
{
	static const char *const bad[] = {
	    "Port 22\nAuditSink nosuch:/x\n",
	    "Port 22\nRecordingSink\n",
	    "Port 22\nRecordingSpool relative/dir\n",
	    "Port 22\nRecordingSpoolMaxSize 10\n",
	    "Port 22\nRecordInput maybe\n",
	};
	struct sshd_config *c = NULL;
	struct mesh_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(parse(bad[i], &c, &err) < 0, "bad recording line refused");
		is_int(err.line, 2, "error names line 2");
		sshd_config_free(c);
		c = NULL;
	}
}

int
main(void)
{
	test_defaults();
	test_keywords();
	test_errors();
	return tap_done();
}
