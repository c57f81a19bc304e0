/*
 * Audit events (schema checks, ids, time format, the emitted sequence) and
 * sink specifications (table-driven, good and bad).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder/audit.h"
#include "recorder/sink.h"
#include "recorder/sinkspec.h"
#include "recorder/spool.h"
#include "tap.h"

static void
test_format(void)
{
	struct maudit_event *ev = maudit_event_new(MAUDIT_SESSION_END);
	struct mesh_error e = {0};
	char *out = NULL, id[MAUDIT_ID_CHARS + 1];
	static const char *tags[] = {"tag:a", NULL};
	size_t len;
	json_t *o;

	is_str(maudit_type_name(MAUDIT_POLICY_DECISION), "policy.decision", "type names");
	is_int(maudit_type_parse("spool.overflow"), MAUDIT_SPOOL_OVERFLOW, "type parse");
	is_int(maudit_type_parse("nope"), -1, "unknown type");
	ok(maudit_event_new((enum maudit_type)99) == NULL, "out-of-range type refused");
	maudit_set_str(ev, "connectionID", "c1");
	maudit_set_str(ev, "sessionID", "s1");
	is_int(maudit_event_format(ev, "id", 0, "h", &out, &len, &e), MESH_ERR_INVALID,
	    "a missing required field is refused");
	ok(strstr(e.text, "exitStatus") != NULL, "naming the field");
	is_int(maudit_set_int(ev, "seq", 5), MESH_ERR_INVALID, "reserved keys cannot be set");
	maudit_set_int(ev, "exitStatus", 0);
	maudit_set_strv(ev, "srcNodeTags", tags);
	maudit_set_bool(ev, "pty", true);
	is_int(maudit_event_format(ev, "id-1", 1700000000123456789ull, "web-1", &out, &len, &e), 0,
	    "format");
	ok(strncmp(out, "{\"v\":1,", 7) == 0, "starts with the schema version");
	o = json_loads(out, 0, NULL);
	is_str(json_string_value(json_object_get(o, "type")), "session.end", "type");
	is_str(json_string_value(json_object_get(o, "time")), "2023-11-14T22:13:20.123456789Z",
	    "RFC 3339 time with ns");
	is_str(json_string_value(json_object_get(o, "host")), "web-1", "host");
	is_int(json_integer_value(json_object_get(o, "exitStatus")), 0, "field");
	ok(json_is_true(json_object_get(o, "pty")), "bool field");
	json_decref(o);
	{
		struct spool_record rec = {.kind = SPOOL_KIND_AUDIT, .subseq = 41};
		struct cast_buf b = {0};

		rec.data = (const uint8_t *)out;
		rec.len = len;
		is_int(sink_render_audit(&rec, &b), 0, "render for a sink");
		o = json_loadb(b.p, b.len, 0, NULL);
		is_int(
		    json_integer_value(json_object_get(o, "seq")), 41, "seq comes from the spool");
		is_str(json_string_value(json_object_get(o, "id")), "id-1", "id kept");
		json_decref(o);
		rec.data = (const uint8_t *)"[1]";
		rec.len = 3;
		b.len = 0;
		is_int(sink_render_audit(&rec, &b), MESH_ERR_PARSE, "foreign payload refused");
		cast_buf_free(&b);
	}
	free(out);
	maudit_event_free(ev);
	maudit_new_id(id);
	ok(strlen(id) == 36 && id[8] == '-' && id[14] == '4' && id[13] == '-', "UUIDv4 ids");
}

static void
test_emit(void)
{
	char dir[] = "/tmp/test_rec_audit.XXXXXX", cmd[128];
	struct maudit *a = NULL;
	struct maudit_event *ev;
	uint64_t s1 = 9, s2 = 9;

	if (mkdtemp(dir) == NULL)
		return;
	is_int(maudit_open(dir, 0, "h", &a, NULL), 0, "open on a spool directory");
	ev = maudit_event_new(MAUDIT_CONNECTION_REFUSE);
	maudit_set_str(ev, "srcAddr", "100.64.0.9");
	maudit_set_str(ev, "reason", "unknown node");
	is_int(maudit_emit(a, ev, 1, &s1, NULL), 0, "emit");
	ev = maudit_event_new(MAUDIT_PROVISION);
	maudit_set_str(ev, "localUser", "alice");
	maudit_set_int(ev, "uid", 60001);
	is_int(maudit_emit(a, ev, 2, &s2, NULL), 0, "emit again");
	ok(s1 == 0 && s2 == 1, "monotonic audit sequence");
	ev = maudit_event_new(MAUDIT_PROVISION);
	is_int(maudit_emit(a, ev, 3, NULL, NULL), MESH_ERR_INVALID, "incomplete event not emitted");
	maudit_free(a);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
test_sinkspec(void)
{
	static const struct {
		const char *spec;
		const char *opt;
		int want;
		enum sink_type type;
		const char *target;
	} cases[] = {
	    {"file:/var/log/meshssh", NULL, 0, SINK_FILE, "/var/log/meshssh"},
	    {"loki:http://127.0.0.1:3100", NULL, 0, SINK_LOKI, "http://127.0.0.1:3100"},
	    {"loki:https://loki.example.com/", "tenant=ops", 0, SINK_LOKI,
		"https://loki.example.com/"},
	    {"hec:https://splunk:8088/services/collector/event", "token=/etc/meshssh/hec.token", 0,
		SINK_HEC, "https://splunk:8088/services/collector/event"},
	    {"syslog:logs.example.com:514", NULL, 0, SINK_SYSLOG, "logs.example.com:514"},
	    {"syslog+tls:[2001:db8::1]:6514", "ca=/etc/ca.pem", 0, SINK_SYSLOG_TLS,
		"[2001:db8::1]:6514"},
	    {"file:relative/dir", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"s3:bucket", NULL, MESH_ERR_UNSUPPORTED, 0, NULL},
	    {"noscheme", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"loki:ftp://x", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"loki:http://", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"loki:http://127.0.0.1:/x", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"hec:https://h:", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"syslog:host", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"syslog:host:0", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"syslog:host:70000", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"syslog:2001:db8::1:514", NULL, MESH_ERR_INVALID, 0, NULL},
	    {"syslog:host:514", "ca=/x", MESH_ERR_INVALID, 0, NULL},
	    {"hec:http://h/x", "token=relative", MESH_ERR_INVALID, 0, NULL},
	    {"hec:http://h/x", "colour=red", MESH_ERR_INVALID, 0, NULL},
	    {"syslog+tls:h:1", "cert=/c", MESH_ERR_INVALID, 0, NULL},
	};
	struct sinkspec s;
	struct mesh_error e = {0};
	char name[200], canon[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[1] = {cases[i].opt};
		int r = sinkspec_parse(cases[i].spec, opts, cases[i].opt ? 1 : 0, &s, &e);

		(void)snprintf(name, sizeof(name), "sink \"%s\"%s%s -> %d", cases[i].spec,
		    cases[i].opt ? " " : "", cases[i].opt ? cases[i].opt : "", cases[i].want);
		is_int(r, cases[i].want, name);
		if (r == 0 && cases[i].want == 0) {
			ok(s.type == cases[i].type && strcmp(s.target, cases[i].target) == 0,
			    "type and target");
			sinkspec_format(&s, canon, sizeof(canon));
			ok(strncmp(canon, cases[i].spec, strlen(canon)) == 0, "canonical form");
		}
	}
	sinkspec_parse("syslog+tls:[::1]:6514", NULL, 0, &s, &e);
	ok(strcmp(s.host, "::1") == 0 && s.port == 6514, "IPv6 host and port");
}

int
main(void)
{
	test_format();
	test_emit();
	test_sinkspec();
	return tap_done();
}
