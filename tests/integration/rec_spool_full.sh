#!/bin/bash
# A full spool (no sink reachable, more output than the spool holds).
# enforceRecorder: the session is ended with a message when the spool
# fills, and new sessions are refused with a clear message until the
# shipper has drained it.  Without enforcement: the session goes on, the
# oldest records are dropped (oldest first), and the drop is counted in a
# spool.overflow audit event; the newest output is still delivered.
. "$(dirname "$0")/rec_lib.sh"
need asciinema script python3

MAX=1048576
SP=$T/spool
OUT=$T/out

# 1. enforced: the recording breaks mid-way -> the session ends
"$REC_SIM" --spool "$SP" --spool-max $MAX --enforce --id-file "$T/id1" -- \
	sh -c 'seq 1 400000; echo NOT-REACHED' >"$T/seen1" 2>"$T/err1"
check "enforced session ended when the spool filled (exit 255)" test $? = 255
check "the user is told why" grep -q "must be recorded and the recorder is not available" "$T/err1"
check "the command did not run to its end" sh -c "! grep -q NOT-REACHED '$T/seen1'"
"$REC_SIM" --spool "$SP" --spool-max $MAX --enforce -- echo hello >"$T/seen2" 2>"$T/err2"
check "a new enforced session is refused while the spool is full" test $? = 255
check "with a clear message: spool full" grep -q "is full" "$T/err2"
check "and the command never ran" test ! -s "$T/seen2"

# 2. the shipper drains the spool: enforced sessions work again
"$SHIPPER" --spool "$SP" --spool-max $MAX --host web-1 --audit-sink "file:$OUT" --recording-sink "file:$OUT" --once
check "shipper drains the full spool" test $? = 0
"$REC_SIM" --spool "$SP" --spool-max $MAX --enforce -- echo hello again >"$T/seen3" 2>"$T/err3"
check "after draining, an enforced session runs" test $? = 0
"$MESHCTL" recordings export --source "file:$OUT" "$(cat "$T/id1")" >"$T/x1.cast"
cast_cat "$T/x1.cast" "$T/cat1"
check "the ended session's recording holds everything the user saw" cmp -s "$T/seen1" "$T/cat1"

# 3. not enforced: oldest first, counted
"$REC_SIM" --spool "$SP" --spool-max $MAX --id-file "$T/id4" -- sh -c 'seq 1 300000; echo THE-END' >"$T/seen4"
check "an unenforced session goes on through a full spool" test $? = 0
check "and runs to its end" grep -q THE-END "$T/seen4"
"$SHIPPER" --spool "$SP" --spool-max $MAX --host web-1 --audit-sink "file:$OUT" --recording-sink "file:$OUT" --once
python3 - "$OUT/audit.jsonl" <<'EOF' >"$T/ov"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ov = [e for e in evs if e["type"] == "spool.overflow"]
print("overflow %d" % len(ov))
print("counted" if ov and ov[0]["droppedRecords"] > 0 and ov[0]["policy"] == "oldest-first" else "uncounted")
EOF
check "one spool.overflow audit event" grep -qx "overflow 1" "$T/ov"
check "counting the dropped records, policy oldest-first" grep -qx counted "$T/ov"
"$MESHCTL" recordings export --source "file:$OUT" "$(cat "$T/id4")" >"$T/x4.cast"
check "the start of the recording was dropped (stand-in header marked truncated)" \
	grep -q '"truncated":true' "$T/x4.cast"
cast_cat "$T/x4.cast" "$T/cat4"
check "the newest output survived: the recording is the end of what the user saw" \
	python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); sys.exit(0 if b and len(b)<len(a) and a.endswith(b) else 1)' "$T/seen4" "$T/cat4"
finish
