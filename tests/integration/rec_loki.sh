#!/bin/bash
# Recordings and audit events through the shipper into Loki's push API, and
# back out through Loki's query API with meshctl recordings export/list.
#
# NOT real Grafana Loki: Loki is not packaged in Debian 12 and cannot be
# fetched here, so rec_receiver.py stands in for it, implementing and
# strictly validating the documented push/query format (and Loki's
# dropping of exact duplicates).
#
# Faults: the sink down at session start; the sink down for REC_OUTAGE_S
# (default 60) seconds in the middle of a session; the recording process
# killed mid-session while the shipper is stopped (the spool is delivered
# after the restart).  Each time: nothing lost, nothing twice, and
# asciinema reproduces the output byte for byte.
. "$(dirname "$0")/rec_lib.sh"
need asciinema script python3 curl

OUTAGE=${REC_OUTAGE_S:-60}
SP=$T/spool
start_receiver loki loki 0 || cannot_run "the Loki stand-in did not start"
LPORT=$port
LPID=$last_pid
URL=http://127.0.0.1:$LPORT
start_shipper() {
	bg "$SHIPPER" --spool "$SP" --host web-1 --audit-sink "loki:$URL" --recording-sink "loki:$URL" \
		--backoff-min-ms 100 --backoff-max-ms 1000 --poll-ms 50
	SHPID=$last_pid
}
start_shipper 2>>"$T/shipper.log"
export_id() { "$MESHCTL" recordings export --source "loki:$URL" "$1" >"$T/$1.cast" 2>/dev/null; }
complete() { export_id "$1" && tail -n 1 "$T/$1.cast" | grep -q '"x", '; }
same_output() { # same_output ID SEEN
	cast_cat "$T/$1.cast" "$T/$1.out" && cmp -s "$2" "$T/$1.out"
}

# 1. a bulk session: 1.3 MB of output with UTF-8 and escapes
"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/idA" --src-node laptop --src-user alice@example.com -- \
	sh -c 'printf "\342\224\214\342\224\200 \033[32mgreen\033[0m\n"; seq 1 200000' >"$T/seenA"
A=$(cat "$T/idA")
check "bulk session delivered to Loki" wait_for 600 complete "$A"
check "asciinema cat of the Loki export = the session's output, byte for byte" same_output "$A" "$T/seenA"
"$MESHCTL" recordings list --source "loki:$URL" >"$T/list" 2>&1
check "meshctl recordings list --source loki: shows it" grep -q "^$A .*alice@example.com@laptop .* 0 " "$T/list"

# 2. the sink down at session start
stop "$LPID"
"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/idB" -- sh -c 'echo sink was down; seq 1 5000' >"$T/seenB"
check "a session runs while the sink is down" test $? = 0
B=$(cat "$T/idB")
start_receiver loki loki "$LPORT" || nok "Loki stand-in restarts on its port"
LPID=$last_pid
check "after the sink comes back, the session is delivered" wait_for 600 complete "$B"
check "and plays byte for byte" same_output "$B" "$T/seenB"

# 3. the sink down for a while in the middle of a session
bg "$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/idC" -- \
	sh -c 'for i in $(seq 1 40); do echo "line $i before, during and after the outage"; sleep 0.1; done; sleep '"$OUTAGE"'; seq 1 3000; for i in $(seq 41 60); do echo "line $i"; sleep 0.1; done' >"$T/seenC"
CPID=$last_pid
wait_for 100 test -s "$T/idC"
wait_for 100 grep -q "line 20 " "$T/seenC"
stop "$LPID"
echo "# Loki stand-in down for ${OUTAGE}s mid-session"
sleep "$OUTAGE"
start_receiver loki loki "$LPORT" || nok "Loki stand-in restarts on its port"
LPID=$last_pid
wait "$CPID"
check "the session outlived the outage" test $? = 0
C=$(cat "$T/idC")
check "after the outage, the whole session is delivered" wait_for 600 complete "$C"
check "nothing lost or doubled across the outage (asciinema byte for byte)" same_output "$C" "$T/seenC"

# 4. the recording process killed mid-session, with the shipper stopped
stop "$SHPID"
bg "$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/idD" -- \
	sh -c 'for i in $(seq 1 100); do echo "kill me $i"; sleep 0.05; done' >"$T/seenD"
DPID=$last_pid
wait_for 200 grep -q $'kill me 10\r' "$T/seenD"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$DPID" | tr '\n' ' ')
D=$(cat "$T/idD")
start_shipper 2>>"$T/shipper.log"
check "after a restart the shipper delivers the killed session's recording" \
	wait_for 600 sh -c "\"$MESHCTL\" recordings export --source loki:$URL $D > $T/$D.cast 2>/dev/null && grep -q 'kill me 10' $T/$D.cast"
cast_cat "$T/$D.cast" "$T/$D.out"
check "what the user saw before the kill was recorded (a prefix of the recording)" \
	python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); sys.exit(0 if len(a)>0 and b.startswith(a) else 1)' "$T/seenD" "$T/$D.out"
"$MESHCTL" recordings list --source "loki:$URL" >"$T/list2" 2>&1
check "the killed session is listed as still open (no exit event)" grep -q "^$D .* open " "$T/list2"

# 5. every audit event exactly once, gapless seq, unique ids
check "audit events reach Loki" wait_for 300 sh -c "curl -sfG '$URL/loki/api/v1/query_range' \
	--data-urlencode 'query={service_name=\"meshssh\",kind=\"audit\"}' --data-urlencode start=0 \
	--data-urlencode limit=100000 --data-urlencode direction=forward > $T/audit.json && \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=sum(len(s[\"values\"]) for s in d[\"data\"][\"result\"]); sys.exit(0 if n>=11 else 1)' $T/audit.json"
python3 - "$T/audit.json" "$A $B $C" "$D" <<'EOF' >"$T/audit"
import json, sys
d = json.load(open(sys.argv[1]))
evs = [json.loads(v[1]) for s in d["data"]["result"] for v in s["values"]]
labels = [s["stream"] for s in d["data"]["result"]]
seqs = sorted(e["seq"] for e in evs)
print("once" if seqs == list(range(len(seqs))) else "seqs %r" % seqs)
print("unique" if len({e["id"] for e in evs}) == len(evs) else "dup ids")
print("labels" if all(l == {"service_name": "meshssh", "host": "web-1", "kind": "audit"} for l in labels) else "bad labels %r" % labels)
ends = {e["sessionID"] for e in evs if e["type"] == "session.end"}
starts = {e["sessionID"] for e in evs if e["type"] == "session.start"}
full, killed = sys.argv[2].split(), sys.argv[3]
print("sessions" if ends == set(full) and starts == set(full) | {killed} else "sessions %r %r" % (starts, ends))
print("count %d" % len(evs))
EOF
check "every audit seq exactly once, no gap" grep -qx once "$T/audit"
check "audit ids unique" grep -qx unique "$T/audit"
check "audit stream labels" grep -qx labels "$T/audit"
check "session.start for all four sessions, session.end for the three that ended" grep -qx sessions "$T/audit"
check "eleven audit events in all" grep -qx "count 11" "$T/audit"
echo "# receiver stats: $(curl -sf "$URL/stats")"
finish
