#!/bin/bash
# sshd_record: meshsshd records sessions and streams audit events end to
# end, with the stock OpenSSH client over the WireGuard namespaces.
#
# meshsshd runs meshssh-shipper itself (RecordingShipper) with a Loki sink;
# the Loki stand-in (tests/integration/rec_receiver.py: real Loki is not in
# Debian 12) listens on loopback in the server namespace.  Checked: a no-pty
# exec recorded while the sink is down and delivered once it is up; a session
# whose sink goes down and comes back mid-way delivered whole, once; an
# interactive pty session (typed input, a resize) that `asciinema cat`
# replays byte for byte from what `meshctl recordings export --source loki:`
# got back; every audit event exactly once (unique ids, gapless seq), with
# exit statuses; meshsshd killed mid-session and restarted: the spool is
# delivered; enforceRecorder refuses a session when the spool is unwritable
# or full and ends one whose recording fails, with the message the client
# reads; the user cannot read or write the spool or the recordings.
. "$(dirname "$0")/lib.sh"
RECEIVER=$top_srcdir/tests/integration/rec_receiver.py
LPORT=3100 # Loki's port, on the server namespace's own loopback
LURL=http://127.0.0.1:$LPORT
export E2E_MESHSSHD_EXTRA_CONF="AuditSink loki:$LURL
RecordingSink loki:$LURL
RecordSessions yes
RecordInput yes"
e2e_setup

if ! e2e_is_mesh; then
	e2e_skip "recording and audit through meshsshd" "meshsshd only"
	e2e_done
fi
for tool in asciinema script python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || e2e_cannot_run "missing tool: $tool"
done
SPOOL=$E2E_TMP/spool
CONF=$E2E_TMP/meshsshd.conf

srv() { ip netns exec "$E2E_NS_S" "$@"; }
loki_start() {
	rm -f "$E2E_TMP/loki.port"
	ip netns exec "$E2E_NS_S" python3 "$RECEIVER" loki --port "$LPORT" \
		--port-file "$E2E_TMP/loki.port" --state "$E2E_TMP/loki.state" \
		>>"$E2E_TMP/loki.log" 2>&1 &
	LOKI_PID=$!
	e2e_track "$LOKI_PID"
	e2e_wait_file "$E2E_TMP/loki.port"
}
loki_stop() { e2e_kill "$LOKI_PID"; }
rec_list() { srv "$E2E_MESHCTL" recordings list --source "loki:$LURL" 2>/dev/null; }
rec_id() { rec_list | grep -F -- "$1" | awk '{ print $1 }' | head -n 1; } # rec_id MARKER
has_rec() { [ -n "$(rec_id "$1")" ]; }
rec_export() { srv "$E2E_MESHCTL" recordings export --source "loki:$LURL" "$1" >"$2" 2>/dev/null; }
rec_complete() { rec_export "$1" "$E2E_TMP/$1.cast" && tail -n 1 "$E2E_TMP/$1.cast" | grep -q '"x", '; }
cast_cat() { script -qec "asciinema cat '$1' > '$2'" /dev/null >/dev/null 2>&1 </dev/null; }
reload() { # reload: SIGHUP meshsshd and wait until it says so
	local n
	n=$(grep -c 'Received SIGHUP' "$E2E_TMP/server.log")
	kill -HUP "$E2E_SERVER_PID"
	e2e_wait_for sh -c "[ \$(grep -c 'Received SIGHUP' '$E2E_TMP/server.log') -gt $n ]"
}
audit_fetch() { # every audit event the Loki stand-in holds, one JSON object a line
	srv curl -sfG "$LURL/loki/api/v1/query_range" \
		--data-urlencode 'query={service_name="meshssh",kind="audit"}' \
		--data-urlencode start=0 --data-urlencode limit=100000 \
		--data-urlencode direction=forward >"$E2E_TMP/audit.json" 2>/dev/null || return 1
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for s in d["data"]["result"]:
    for v in s["values"]:
        print(v[1])' "$E2E_TMP/audit.json"
}
audit_has() { audit_fetch | grep -q -- "$1"; }
audit_has_start() { audit_fetch | grep '"type":"session.start"' | grep -q "$1"; }
killed_delivered() { rec_export "$1" "$E2E_TMP/killed.cast" && grep -q 'killed-marker 20' "$E2E_TMP/killed.cast"; }

e2e_wait_for grep -q 'started meshssh-shipper' "$E2E_TMP/server.log"
e2e_ok $? "meshsshd started meshssh-shipper" || e2e_diag "$(e2e_server_log | tail -5)"

# ---- 1. a no-pty exec while the sink is down at session start
e2e_capture e2e_ssh web-1 'echo exec-marker-out; echo exec-marker-err >&2; exit 3'
e2e_is "$E2E_RC" 3 "an exec runs while the sink is down (exit status 3)"
e2e_is "$E2E_OUT" exec-marker-out "its stdout reaches the client"
e2e_is "$E2E_ERR" exec-marker-err "its stderr reaches the client"
loki_start
e2e_ok $? "the Loki stand-in comes up after the session"
E2E_READY_TIMEOUT_S=60 e2e_wait_for has_rec exec-marker-out
EXEC_ID=$(rec_id exec-marker-out)
e2e_like "$EXEC_ID" '^[0-9a-f]{32}$' "the exec's recording reached Loki after the sink came up"
E2E_READY_TIMEOUT_S=60 e2e_wait_for rec_complete "$EXEC_ID"
e2e_ok $? "its recording is complete (exit event)"
C=$E2E_TMP/$EXEC_ID.cast
e2e_has "$(head -n 1 "$C")" '"srcNode":"laptop"' "header: source node"
e2e_has "$(head -n 1 "$C")" '"srcNodeUser":"alice@example.com"' "header: owner login"
e2e_has "$(head -n 1 "$C")" "\"localUser\":\"$E2E_USER\"" "header: host user"
e2e_has "$(head -n 1 "$C")" '"command":"echo exec-marker-out; echo exec-marker-err >&2; exit 3"' "header: command"
e2e_like "$(head -n 1 "$C")" '"width":[0-9]+,"height":[0-9]+' "header: terminal size"
e2e_has "$(cat "$C")" '"o", "exec-marker-out\n"' "stdout is an output event"
e2e_has "$(cat "$C")" '"e", "exec-marker-err\n"' "stderr is an \"e\" event"
e2e_like "$(tail -n 1 "$C")" '"x", "3"' "the exit status is recorded"
cast_cat "$C" "$E2E_TMP/exec.replay"
e2e_is "$(od -c "$E2E_TMP/exec.replay")" "$(printf 'exec-marker-out\n' | od -c)" \
	"asciinema cat of the exec's Loki export = its stdout, byte for byte"

# ---- 2. an interactive pty session: input, a resize, byte-for-byte replay
e2e_pty_new
e2e_pty_step expect '[$#] $' "a shell prompt on the pty"
e2e_pty_step send 'printf "pty-marker-\\101\\033[1mbold\\033[0m\\n"; seq 1 3000\r'
e2e_pty_step expect '2999\r\n3000\r\n' "the bulk output arrives"
e2e_pty_step resize "30 101"
e2e_pty_step send 'stty size\r'
e2e_pty_step expect '30 101' "the resize reaches the session"
e2e_pty_step send 'exit 7\r'
e2e_pty_step eof '' "the session ends"
e2e_pty_run pty 24 80 -o LogLevel=ERROR -tt web-1
e2e_is "$E2E_PTY_EXIT" 7 "the pty session ends with exit status 7"
# (the shipper may not have delivered it yet: wait for it to be listed)
E2E_READY_TIMEOUT_S=60 e2e_wait_for has_rec '(login shell)'
PTY_ID=$(rec_id '(login shell)')
E2E_READY_TIMEOUT_S=60 e2e_wait_for rec_complete "$PTY_ID"
e2e_ok $? "the pty session's recording is in Loki and complete"
C=$E2E_TMP/$PTY_ID.cast
cast_cat "$C" "$E2E_TMP/pty.replay"
cmp -s "$E2E_TMP/pty.transcript" "$E2E_TMP/pty.replay"
e2e_ok $? "asciinema cat of the Loki export = what the client's terminal got, byte for byte" ||
	e2e_diag "$(cmp "$E2E_TMP/pty.transcript" "$E2E_TMP/pty.replay" 2>&1)"
e2e_has "$(head -n 1 "$C")" '"width":80,"height":24' "header: the pty's size"
e2e_has "$(cat "$C")" '"r", "101x30"' "the resize is an \"r\" event"
e2e_has "$(grep '"i", ' "$C" | tr -d '\n')" 'stty' "typed input is recorded (RecordInput yes)"
e2e_like "$(tail -n 1 "$C")" '"x", "7"' "the pty session's exit status is recorded"
rec_list >"$E2E_TMP/list"
e2e_like "$(grep "^$PTY_ID" "$E2E_TMP/list")" "alice@example.com@laptop +$E2E_USER +7 " \
	"meshctl recordings list shows source, host user and exit status"

# ---- 2b. the sink goes down mid-session and comes back: nothing lost, nothing twice
e2e_bg "$E2E_TMP/mid" e2e_ssh web-1 'for i in $(seq 1 80); do echo "mid-marker $i"; sleep 0.1; done'
MID_SSH=$E2E_BG_PID
e2e_wait_file "$E2E_TMP/mid.out" 'mid-marker 10'
loki_stop
e2e_wait_file "$E2E_TMP/mid.out" 'mid-marker 50'
loki_start
wait "$MID_SSH"
e2e_is "$?" 0 "a session runs on while its sink is down mid-way"
E2E_READY_TIMEOUT_S=60 e2e_wait_for has_rec mid-marker
MID_ID=$(rec_id mid-marker)
E2E_READY_TIMEOUT_S=60 e2e_wait_for rec_complete "$MID_ID"
e2e_ok $? "after the sink's outage the mid-session recording is complete"
cast_cat "$E2E_TMP/$MID_ID.cast" "$E2E_TMP/mid.replay"
e2e_is "$(tr -d '\r' <"$E2E_TMP/mid.replay" | od -c)" "$(od -c <"$E2E_TMP/mid.out")" \
	"its replay = the client's output, every line once, across the outage"

# ---- 3. the user cannot read or write the spool or the recordings
e2e_capture e2e_ssh web-1 "cat $SPOOL/* >/dev/null || echo spool-read-denied; touch $SPOOL/x || echo spool-write-denied; cat $E2E_TMP/sink/* $E2E_TMP/sink/*/* >/dev/null 2>&1 || echo sink-read-denied"
e2e_has "$E2E_OUT" spool-read-denied "in a session the user cannot read the spool"
e2e_has "$E2E_OUT" spool-write-denied "in a session the user cannot write into the spool"
e2e_has "$E2E_OUT" sink-read-denied "in a session the user cannot read the file sink's recordings"
e2e_is "$(stat -c '%u %a' "$SPOOL")" "0 700" "the spool is root's, mode 0700"
e2e_unlike "$(find "$SPOOL" "$E2E_TMP/sink" -mindepth 1 \( -perm /077 -o ! -uid 0 \) 2>/dev/null)" . \
	"every spool and sink file is root's and closed to others"

# ---- 4. meshsshd killed mid-session, then restarted: the spool is delivered
loki_stop
e2e_bg "$E2E_TMP/killed" e2e_ssh web-1 'for i in $(seq 1 600); do echo "killed-marker $i"; sleep 0.1; done'
KILLED_SSH=$E2E_BG_PID
e2e_wait_file "$E2E_TMP/killed.out" 'killed-marker 20'
OLD_PIDS="$E2E_SERVER_PID $(pgrep -P "$E2E_SERVER_PID" | tr '\n' ' ')"
# shellcheck disable=SC2086
kill -KILL $OLD_PIDS
for p in $OLD_PIDS; do wait "$p" 2>/dev/null; done
e2e_kill "$KILLED_SSH"
e2e_server_start
e2e_ok $? "meshsshd restarts" || e2e_diag "$(e2e_server_log | tail -5)"
loki_start
E2E_READY_TIMEOUT_S=60 e2e_wait_for has_rec killed-marker
KILLED_ID=$(rec_id killed-marker)
e2e_like "$KILLED_ID" '^[0-9a-f]{32}$' "after the restart the killed session's recording is delivered"
E2E_READY_TIMEOUT_S=60 e2e_wait_for killed_delivered "$KILLED_ID"
e2e_ok $? "it holds what the client saw before the kill"
e2e_like "$(grep "^$KILLED_ID" <(rec_list))" ' open ' "it is listed as open (no exit event)"

# ---- 5. sftp and forwards are audit events too; every event exactly once
printf 'ls\n' >"$E2E_TMP/sftp.batch"
e2e_capture e2e_sftp -b "$E2E_TMP/sftp.batch" web-1
e2e_is "$E2E_RC" 0 "an sftp session runs" || e2e_diag "$E2E_ERR"
FPORT=$((40000 + RANDOM % 10000))
e2e_bg "$E2E_TMP/fwd" e2e_ssh -N -o ExitOnForwardFailure=yes -L "127.0.0.1:$FPORT:127.0.0.1:$LPORT" web-1
FWD_PID=$E2E_BG_PID
e2e_wait_for e2e_listening "$E2E_NS_C" "$FPORT"
e2e_in_client curl -sf "http://127.0.0.1:$FPORT/stats" >/dev/null
e2e_ok $? "a local forward (ssh -L) carries a connection"
e2e_kill "$FWD_PID"
e2e_capture e2e_ssh -o ExitOnForwardFailure=yes -R "127.0.0.1:$((FPORT + 1)):127.0.0.1:9" web-1 true
e2e_is "$E2E_RC" 0 "a session with a remote forward (ssh -R) runs"
E2E_READY_TIMEOUT_S=60 e2e_wait_for audit_has '"direction":"remote"[^}]*"type":"forward.close"\|"type":"forward.close"[^}]*"direction":"remote"'
E2E_READY_TIMEOUT_S=60 e2e_wait_for audit_has_start "$KILLED_ID"
audit_fetch >"$E2E_TMP/audit.lines"
python3 - "$E2E_TMP/audit.lines" "$EXEC_ID" "$PTY_ID" <<'EOF' >"$E2E_TMP/audit.check"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seqs = sorted(e["seq"] for e in evs)
print("gapless" if seqs == list(range(seqs[0], seqs[0] + len(seqs))) and seqs[0] == 0 else "seqs %r" % seqs)
print("unique" if len({e["id"] for e in evs}) == len(evs) else "dup ids")
types = {e["type"] for e in evs}
for t in ("connection.accept", "policy.decision", "session.start", "session.end", "recording.start",
          "sftp.start", "sftp.end", "forward.open", "forward.close"):
    print("has " + t if t in types else "missing " + t)
fw = sorted((e["type"], e["direction"], e["target"]) for e in evs if e["type"].startswith("forward."))
print("forwards %r" % fw)
sftp = [e["sessionID"] for e in evs if e["type"].startswith("sftp.")]
print("sftp paired" if len(sftp) == 2 and sftp[0] == sftp[1] else "sftp %r" % sftp)
end = {e["sessionID"]: e.get("exitStatus") for e in evs if e["type"] == "session.end"}
print("exec exit %s" % end.get(sys.argv[2]))
print("pty exit %s" % end.get(sys.argv[3]))
EOF
e2e_has "$(cat "$E2E_TMP/audit.check")" gapless "audit seq has no gap and no repeat"
e2e_has "$(cat "$E2E_TMP/audit.check")" unique "audit ids are unique"
e2e_unlike "$(cat "$E2E_TMP/audit.check")" missing "connection, decision, session, recording, sftp and forward events all arrived" ||
	e2e_diag "$(cat "$E2E_TMP/audit.check")"
e2e_has "$(cat "$E2E_TMP/audit.check")" "('forward.close', 'local', '127.0.0.1:$LPORT'), ('forward.close', 'remote', '127.0.0.1:$((FPORT + 1))'), ('forward.open', 'local', '127.0.0.1:$LPORT'), ('forward.open', 'remote', '127.0.0.1:$((FPORT + 1))')" \
	"forward.open/close for the local and the remote forward, with their targets"
e2e_has "$(cat "$E2E_TMP/audit.check")" "sftp paired" "sftp.start and sftp.end share a session id"
e2e_has "$(cat "$E2E_TMP/audit.check")" "exec exit 3" "session.end of the exec carries exit status 3"
e2e_has "$(cat "$E2E_TMP/audit.check")" "pty exit 7" "session.end of the pty session carries exit status 7"

# ---- 6. enforceRecorder
sed -i 's/"acceptEnv": \["LC_\*", "MESH_TEST_\*"\],/&\n\t\t\t"recorder": ["tag:server"],\n\t\t\t"enforceRecorder": true,/' "$E2E_TMP/policy.hujson"
grep -q enforceRecorder "$E2E_TMP/policy.hujson"
e2e_ok $? "the policy now says enforceRecorder"
cp "$CONF" "$CONF.orig"
touch "$E2E_TMP/not-a-dir"
echo "RecordingSpool $E2E_TMP/not-a-dir/spool" >>"$CONF"
reload
e2e_capture e2e_ssh web-1 'echo must-not-run'
e2e_is "$E2E_RC" 255 "enforced, unwritable spool: the session is refused (exit status 255)"
e2e_has "$E2E_ERR" "must be recorded and the recorder is not available; session refused" \
	"the client reads why"
e2e_unlike "$E2E_OUT" must-not-run "the command did not run"

cp "$CONF.orig" "$CONF"
printf 'RecordingSpool %s\nRecordingSpoolMaxSize 1048576\nRecordingShipper none\n' "$E2E_TMP/small-spool" >>"$CONF"
reload
e2e_capture e2e_ssh web-1 'seq 1 400000; echo not-reached'
e2e_is "$E2E_RC" 255 "enforced: a session whose recording fails (spool full) ends with 255"
e2e_has "$E2E_ERR" "the recording of this session failed and it must be recorded; session ended" \
	"the client reads why it ended"
e2e_unlike "$E2E_OUT" not-reached "the session did not run to its end"
e2e_capture e2e_ssh web-1 'echo must-not-run'
e2e_is "$E2E_RC" 255 "enforced, spool full: the next session is refused"
e2e_has "$E2E_ERR" "session refused" "with the refusal message"

# without enforceRecorder the same full spool does not stop a session
sed -i '/"recorder": \["tag:server"\],/d; /"enforceRecorder": true,/d' "$E2E_TMP/policy.hujson"
reload
e2e_capture e2e_ssh web-1 'echo runs-unenforced'
e2e_is "$E2E_OUT" runs-unenforced "without enforceRecorder a session runs on a full spool"

# ---- 7. SIGHUP picks up sink changes; shutdown stops the shipper
cp "$CONF.orig" "$CONF"
reload
e2e_wait_for grep -q 'started meshssh-shipper' <(tail -n 5 "$E2E_TMP/server.log")
SHIPPER_PID=$(pgrep -P "$E2E_SERVER_PID" -f meshssh-shipper | head -n 1)
e2e_like "$SHIPPER_PID" '^[0-9]+$' "after the reload a shipper runs again (RecordingShipper back)"
# RecordSessions policy (the default): a rule without recorder records nothing
echo "RecordSessions policy" >>"$CONF"
reload
e2e_capture e2e_ssh web-1 'echo policy-marker'
e2e_is "$E2E_OUT" policy-marker "RecordSessions policy: a session under a rule without recorder runs"
E2E_READY_TIMEOUT_S=60 e2e_wait_for audit_has_start policy-marker
e2e_ok $? "its session.start audit event arrives"
SID=$(audit_fetch | grep '"type":"session.start"' | grep policy-marker |
	sed 's/.*"sessionID":"\([0-9a-f]*\)".*/\1/' | head -n 1)
e2e_like "$SID" '^[0-9a-f]{32}$' "its session id from the audit event"
e2e_is "$(audit_fetch | grep '"type":"recording.start"' | grep -c "${SID:-none}")" 0 \
	"and no recording.start: the session was not recorded"
e2e_is "$(rec_id policy-marker)" "" "no recording of it in the sink"
kill -TERM "$E2E_SERVER_PID"
e2e_wait_for sh -c "! kill -0 $SHIPPER_PID 2>/dev/null"
e2e_ok $? "meshsshd's SIGTERM stops the shipper"
e2e_done
