# Integration tests: the stock OpenSSH client (and paramiko) against the
# server under test, across two network namespaces joined by WireGuard.
# Fixtures in tests/integration/lib.sh; how to run them against OpenSSH's
# sshd instead: tests/integration/README.md.
INTEGRATION_TESTS += \
	tests/integration/sshd_exec.sh \
	tests/integration/sshd_record.sh \
	tests/integration/sshd_pty.sh \
	tests/integration/sshd_sftp_scp.sh \
	tests/integration/sshd_forward.sh \
	tests/integration/sshd_agent.sh \
	tests/integration/sshd_env.sh \
	tests/integration/sshd_deny.sh \
	tests/integration/sshd_options.sh \
	tests/integration/sshd_multiplex.sh \
	tests/integration/sshd_utmp.sh \
	tests/integration/sshd_knownhosts.sh \
	tests/integration/sshd_privsep.sh \
	tests/integration/sshd_paramiko.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/README.md \
	tests/integration/sshd_pty_driver.py tests/integration/sshd_tcp_helper.py \
	tests/integration/sshd_privsep_probe.py tests/integration/sshd_paramiko.py
EXTRA_DIST += tests/integration/tap_lib.sh
INTEGRATION_TESTS += tests/integration/sshd_privsep_agent.sh
