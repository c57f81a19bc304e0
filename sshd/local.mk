# meshsshd: the SSH daemon (libssh server, PAM login, utmp).
sbin_PROGRAMS += sshd/meshsshd
sshd_meshsshd_SOURCES = \
	sshd/meshsshd.c \
	sshd/sshd_config.c sshd/sshd_config.h \
	sshd/authz.c sshd/authz.h \
	sshd/hostkey.c sshd/hostkey.h \
	sshd/listen.c sshd/listen.h \
	sshd/conn.c sshd/conn.h \
	sshd/chan.c \
	sshd/forward.c \
	sshd/agent.c \
	sshd/login.c sshd/login.h \
	sshd/session_env.c sshd/session_env.h \
	sshd/utmp.c sshd/utmp.h \
	sshd/sso.c sshd/sso.h sshd/sso_proto.c sshd/sso_proto.h \
	sshd/checksock.c sshd/checksock.h \
	sshd/record_conf.c sshd/record_conf.h \
	sshd/audit_glue.c sshd/audit_glue.h \
	sshd/shipper_ctl.c sshd/shipper_ctl.h
sshd_meshsshd_CPPFLAGS = $(AM_CPPFLAGS) -DSBINDIR='"$(sbindir)"'
sshd_meshsshd_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/recorder $(LIBSSH_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS) $(OIDC_CFLAGS)
# only the recorder core: the sinks and libcurl belong to meshssh-shipper, the
# OIDC client (libcurl, cjose) to meshssh-sso
sshd_meshsshd_LDADD = recorder/librecorder_core.a $(LIBSSH_LIBS) $(PAM_LIBS) $(UTIL_LIBS) $(OIDC_CONF_LIBS) $(MESHCORE_LIBS)

pamconfdir = $(sysconfdir)/pam.d
dist_pamconf_DATA = sshd/pam.d/meshsshd
systemdunit_DATA += sshd/meshsshd.service
EXTRA_DIST += sshd/meshsshd.service sshd/meshsshd.conf.example
dist_man_MANS += man/meshsshd.8 man/meshsshd.conf.5

# Unit tests: configuration keywords and the session environment (pure parts).
check_PROGRAMS += tests/unit/test_sshd_config
tests_unit_test_sshd_config_SOURCES = tests/unit/test_sshd_config.c tests/unit/sshd_config_fixture.h \
	sshd/sshd_config.c sshd/sshd_config.h sshd/record_conf.c sshd/record_conf.h
tests_unit_test_sshd_config_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sshd -I$(top_srcdir)/recorder
tests_unit_test_sshd_config_LDADD = recorder/librecorder_core.a $(UNIT_LDADD) $(OIDC_LIBS)
TESTS += tests/unit/test_sshd_config

check_PROGRAMS += tests/unit/test_sshd_env
tests_unit_test_sshd_env_SOURCES = tests/unit/test_sshd_env.c \
	sshd/session_env.c sshd/session_env.h
tests_unit_test_sshd_env_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sshd
tests_unit_test_sshd_env_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_sshd_env

# Loopback test with the stock OpenSSH client (root, test build only).
EXTRA_DIST += sshd/tests/loopback.sh
if TEST_BUILD
TESTS += sshd/tests/loopback.sh
endif

# Unit test: AuditSink / Recording* keywords (sshd/record_conf.c).
check_PROGRAMS += tests/unit/test_sshd_record_conf
tests_unit_test_sshd_record_conf_SOURCES = tests/unit/test_sshd_record_conf.c tests/unit/sshd_config_fixture.h \
	sshd/sshd_config.c sshd/sshd_config.h sshd/record_conf.c sshd/record_conf.h
tests_unit_test_sshd_record_conf_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sshd -I$(top_srcdir)/recorder
tests_unit_test_sshd_record_conf_LDADD = recorder/librecorder_core.a $(UNIT_LDADD) $(OIDC_LIBS)
TESTS += tests/unit/test_sshd_record_conf

# Unit test: the listener's control of meshssh-shipper (sshd/shipper_ctl.c).
check_PROGRAMS += tests/unit/test_rec_shipper_ctl
tests_unit_test_rec_shipper_ctl_SOURCES = tests/unit/test_rec_shipper_ctl.c \
	tests/unit/sshd_config_fixture.h sshd/shipper_ctl.c sshd/shipper_ctl.h \
	sshd/sshd_config.c sshd/sshd_config.h sshd/record_conf.c sshd/record_conf.h
tests_unit_test_rec_shipper_ctl_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sshd -I$(top_srcdir)/recorder
tests_unit_test_rec_shipper_ctl_LDADD = recorder/librecorder_core.a $(UNIT_LDADD) $(OIDC_LIBS)
TESTS += tests/unit/test_rec_shipper_ctl

# meshssh-sso: the OIDC client (libcurl, cjose) as a helper that meshsshd runs
# per SSO check, so that those libraries stay out of meshsshd (sshd/sso.h).
pkglibexec_PROGRAMS = sshd/meshssh-sso
sshd_meshssh_sso_SOURCES = sshd/sso_helper.c sshd/sso_proto.c sshd/sso_proto.h
sshd_meshssh_sso_CFLAGS = $(AM_CFLAGS) $(OIDC_CFLAGS)
sshd_meshssh_sso_LDADD = $(OIDC_LIBS)

# meshsshd must not link the OIDC client's libraries (readelf -d).
TESTS += tests/integration/sshd_sso_link.sh
EXTRA_DIST += tests/integration/sshd_sso_link.sh

check_PROGRAMS += tests/unit/test_sso_proto
tests_unit_test_sso_proto_SOURCES = tests/unit/test_sso_proto.c sshd/sso_proto.c sshd/sso_proto.h
tests_unit_test_sso_proto_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sshd $(OIDC_CFLAGS)
tests_unit_test_sso_proto_LDADD = $(UNIT_LDADD) $(OIDC_CONF_LIBS)
TESTS += tests/unit/test_sso_proto
