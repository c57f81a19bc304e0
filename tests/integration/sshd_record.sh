#!/bin/bash
# sshd_record: meshsshd's audit events through the recording spool
# (RecordingSpool): connection.accept and policy.decision land in the spool
# for a session, and the spool is root-only (the user in the session cannot
# read it).  Recording of pty output, the shipper and enforceRecorder are not
# wired yet (see the branch's report).
. "$(dirname "$0")/lib.sh"
REC_SPOOL=/tmp/e2e-recspool-$$
rm -rf "$REC_SPOOL"
export E2E_MESHSSHD_EXTRA_CONF="RecordingSpool $REC_SPOOL"
e2e_setup

if ! e2e_is_mesh; then
	e2e_skip "audit events in the spool" "meshsshd only"
	rm -rf "$REC_SPOOL"
	e2e_done
	exit 0
fi

e2e_capture e2e_ssh web-1 'echo rec-marker-42'
e2e_is "$E2E_RC" 0 "a session with RecordingSpool set runs" || e2e_diag "$E2E_ERR" "$(e2e_server_log | tail -15)"
e2e_is "$E2E_OUT" rec-marker-42 "its output reaches the client"

spool_text() { cat "$REC_SPOOL"/seg-*.log 2>/dev/null | tr -c '[:print:]\n' '\n'; }
e2e_has "$(spool_text)" '"type":"connection.accept"' "connection.accept is in the spool"
e2e_has "$(spool_text)" '"type":"policy.decision"' "policy.decision is in the spool"
e2e_has "$(spool_text)" '"action":"accept"' "the decision records the accept action"
e2e_has "$(spool_text)" "\"sshUser\":\"$E2E_USER\"" "the decision names the SSH user"
e2e_is "$(stat -c %a "$REC_SPOOL")" 700 "the spool directory is 0700"
e2e_is "$(stat -c %u "$REC_SPOOL")" 0 "the spool directory belongs to root"

e2e_capture e2e_ssh web-1 "ls $REC_SPOOL"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "the user in the session cannot list the spool"

rm -rf "$REC_SPOOL"
e2e_done
