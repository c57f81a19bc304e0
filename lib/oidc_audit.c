/*
 * Audit events for the SSO check: every check started, passed, failed and
 * timed out becomes one JSON object that the recorder appends to its spool.
 * Field names follow the session header (srcNodeUser, localUser) so one
 * query finds a person's sessions and checks.  Pure.
 */
#include "config.h"

#include "oidc.h"

static const char *const kind_names[] = {
    [OIDC_AUDIT_STARTED] = "check.start",
    [OIDC_AUDIT_PASSED] = "check.pass",
    [OIDC_AUDIT_FAILED] = "check.fail",
    [OIDC_AUDIT_TIMED_OUT] = "check.timeout",
};

const char *
oidc_audit_kind_name(enum oidc_audit_kind kind)
{
	if ((size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "sso.check.unknown";
	return kind_names[kind];
}

static int
put_string(json_t *ev, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return json_object_set_new(ev, key, json_string(value));
}

json_t *
oidc_audit_event(enum oidc_audit_kind kind, const struct oidc_audit_info *info)
{
	json_t *ev = json_object();
	int r = 0;

	if (ev == NULL)
		return NULL;
	r |= json_object_set_new(ev, "type", json_string(oidc_audit_kind_name(kind)));
	r |= json_object_set_new(ev, "time", json_integer((json_int_t)info->time));
	r |= put_string(ev, "srcNodeUser", info->owner);
	r |= put_string(ev, "srcNode", info->node);
	r |= put_string(ev, "localUser", info->host_user);
	r |= put_string(ev, "issuer", info->issuer);
	r |= put_string(ev, "subject", info->subject);
	r |= put_string(ev, "reason", info->reason);
	if (r != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}
