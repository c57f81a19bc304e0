/*
 * meshsshd's shipper control (sshd/shipper_ctl.c): the restart delay, the
 * command line built from the configuration, start, death and restart of a
 * real child (/bin/true stands in for meshssh-shipper), reload without and
 * with changes, RecordingShipper none.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "shipper_ctl.h"
#include "sshd_config_fixture.h"

#define TEST_NOW_MS 1000000

static bool
has_pair(const struct sshd_shipper *s, const char *opt, const char *val)
{
	for (size_t i = 0; i + 1 < s->argc; i++)
		if (strcmp(s->argv[i], opt) == 0 && strcmp(s->argv[i + 1], val) == 0)
			return true;
	return false;
}

static void
test_backoff(void)
{
	is_int((int)sshd_shipper_backoff_ms(1), SSHD_SHIPPER_RESTART_MIN_MS, "first restart delay");
	is_int((int)sshd_shipper_backoff_ms(2), 2 * SSHD_SHIPPER_RESTART_MIN_MS, "doubles");
	is_int((int)sshd_shipper_backoff_ms(3), 4 * SSHD_SHIPPER_RESTART_MIN_MS, "doubles again");
	is_int((int)sshd_shipper_backoff_ms(7), SSHD_SHIPPER_RESTART_MAX_MS, "capped");
	is_int((int)sshd_shipper_backoff_ms(1000), SSHD_SHIPPER_RESTART_MAX_MS, "stays capped");
}

static void
test_lifecycle(void)
{
	struct sshd_config *c = NULL, *c2 = NULL, *none = NULL;
	struct sshd_shipper s;
	struct mesh_error err;
	int st = 0;
	pid_t pid;

	is_int(sshd_test_parse("RecordingShipper /bin/true\nRecordingSpool /tmp/spool-x\n"
			       "AuditSink loki:http://127.0.0.1:3100\n",
		   &c, &err),
	    0, "config parses");
	sshd_shipper_init(&s);
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), -1, "nothing due before configure");
	is_int(sshd_shipper_configure(&s, c, "web-1"), 0, "configure");
	is_str(s.argv[0], "/bin/true", "RecordingShipper is the program");
	ok(has_pair(&s, "--spool", "/tmp/spool-x"), "--spool from RecordingSpool");
	ok(has_pair(&s, "--host", "web-1"), "--host");
	ok(has_pair(&s, "--audit-sink", "loki:http://127.0.0.1:3100"), "--audit-sink as written");
	ok(has_pair(&s, "--recording-sink", "file:" SSHD_REC_DEFAULT_SINK_DIR),
	    "no RecordingSink: the default file sink");
	ok(s.argv[s.argc] == NULL, "argv is NULL-terminated");
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), 0, "start is due at once");

	sshd_shipper_tick(&s, TEST_NOW_MS);
	ok(s.pid > 0, "tick started it");
	pid = s.pid;
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), -1, "nothing due while it runs");
	ok(waitpid(pid, &st, 0) == pid, "the child ran");
	ok(!sshd_shipper_reaped(&s, pid + 1, st, TEST_NOW_MS), "another child is not the shipper");
	ok(sshd_shipper_reaped(&s, pid, st, TEST_NOW_MS), "its death is noticed");
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), SSHD_SHIPPER_RESTART_MIN_MS,
	    "restart after the first delay");
	sshd_shipper_tick(&s, TEST_NOW_MS + 1);
	ok(s.pid == 0, "not restarted before the delay");

	is_int(sshd_shipper_configure(&s, c, "web-1"), 0, "reload, same sinks");
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), SSHD_SHIPPER_RESTART_MIN_MS,
	    "same arguments: the pending restart is kept");

	is_int(
	    sshd_test_parse("RecordingShipper /bin/true\nRecordingSpool /tmp/spool-x\n"
			    "AuditSink loki:http://127.0.0.1:3100\nRecordingSink hec:http://h/\n",
		&c2, &err),
	    0, "changed config parses");
	is_int(sshd_shipper_configure(&s, c2, "web-1"), 0, "reload, new sink");
	ok(has_pair(&s, "--recording-sink", "hec:http://h/"), "the new sink is passed");
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), 0, "changed arguments: start at once");
	sshd_shipper_tick(&s, TEST_NOW_MS);
	ok(s.pid > 0, "started with the new arguments");
	pid = s.pid;

	is_int(sshd_test_parse("RecordingShipper none\n", &none, &err), 0, "none parses");
	is_int(sshd_shipper_configure(&s, none, "web-1"), 0, "reload, RecordingShipper none");
	is_int((int)s.argc, 0, "no arguments kept");
	ok(waitpid(pid, &st, 0) == pid, "the running one ends");
	ok(sshd_shipper_reaped(&s, pid, st, TEST_NOW_MS), "and is reaped");
	is_int(sshd_shipper_timeout_ms(&s, TEST_NOW_MS), -1, "and not restarted");

	sshd_shipper_stop(&s);
	ok(s.pid == 0 && s.argc == 0, "stop leaves nothing");
	sshd_config_free(c);
	sshd_config_free(c2);
	sshd_config_free(none);
}

int
main(void)
{
	test_backoff();
	test_lifecycle();
	return tap_done();
}
