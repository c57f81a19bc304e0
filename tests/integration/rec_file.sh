#!/bin/bash
# Recording end to end into the file sink: a session on a pty through the
# recorder API (rec-sim stands in for meshsshd), the shipper, meshctl
# recordings list/export/play, and asciinema reproducing the output byte for
# byte.  Also: exec sessions without a pty, recorded input, the audit
# events' sequence and ids, and that the session's user can neither read
# nor change the spool.
. "$(dirname "$0")/rec_lib.sh"
need asciinema script python3 runuser

SP=$T/spool
OUT=$T/out
ship() { "$SHIPPER" --spool "$SP" --host web-1 --audit-sink "file:$OUT" --recording-sink "file:$OUT" --once; }

# 1. an interactive-style session with colour, UTF-8 and a resize
"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/id1" --size 100x30 --resize 120x40 \
	--src-node laptop --src-user alice@example.com --ssh-user alice -- \
	sh -c 'printf "h\303\251llo \342\202\254\n\033[1;31mred\033[0m\n"; seq 1 2000; exit 3' >"$T/seen1"
check "rec-sim passes the command's exit status" test $? = 3
check "shipper delivers everything (--once exits 0)" ship
id1=$(cat "$T/id1")
check "the recording is a file named by the session id" test -f "$OUT/$id1.cast"
check "recording file is 0600" test "$(stat -c %a "$OUT/$id1.cast")" = 600
check "sink directory is 0700" test "$(stat -c %a "$OUT")" = 700
"$MESHCTL" recordings list --source "file:$OUT" >"$T/list" 2>&1
check "meshctl recordings list shows the session" grep -q "^$id1 .*alice@example.com@laptop .* 3 " "$T/list"
"$MESHCTL" recordings export --source "file:$OUT" "$id1" >"$T/x1.cast"
check "export succeeds" test -s "$T/x1.cast"
cast_cat "$T/x1.cast" "$T/cat1"
check "asciinema cat reproduces the output byte for byte" cmp -s "$T/seen1" "$T/cat1"
python3 - "$T/x1.cast" <<'EOF' >"$T/hdr1"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
h = json.loads(lines[0])
ev = [json.loads(l) for l in lines[1:]]
print(h["version"], h["width"], h["height"], h["srcNode"], h["srcNodeUser"], h["sshUser"],
      h["localUser"], h["host"], h["sessionID"], "pty" if h["pty"] else "nopty")
print(" ".join(e[2] for e in ev if e[1] == "r"))
print(" ".join(e[2] for e in ev if e[1] == "x"))
print("sorted" if all(ev[i][0] <= ev[i + 1][0] for i in range(len(ev) - 1)) else "unsorted")
EOF
check "header carries version, size, node, users, host, session id" \
	grep -qx "2 100 30 laptop alice@example.com alice root web-1 $id1 pty" "$T/hdr1"
check "resize recorded as an r event" grep -qx "120x40" "$T/hdr1"
check "exit status recorded as an x event" grep -qx "3" "$T/hdr1"
check "events in time order" grep -qx "sorted" "$T/hdr1"
"$MESHCTL" recordings play --source "file:$OUT" --speed 1000 "$id1" >"$T/play1"
check "meshctl recordings play writes the same output" cmp -s "$T/seen1" "$T/play1"
"$MESHCTL" recordings export --source "file:$OUT" nothex 2>"$T/err" >/dev/null
check "a bad id is a usage error" test $? = 2
check "with a clear message" grep -q "is not a recording id" "$T/err"
"$MESHCTL" recordings export --source "s3:bucket" "$id1" 2>"$T/err" >/dev/null
check "an unknown source scheme is refused clearly" grep -q 'unknown scheme "s3"' "$T/err"

# 2. an exec session without a pty: stdout and stderr, and recorded input
echo "typed secret" | "$REC_SIM" --spool "$SP" --host web-1 --no-pty --input --id-file "$T/id2" -- \
	sh -c 'cat; echo to-stderr >&2; echo to-stdout' >"$T/seen2" 2>"$T/seen2e"
ship
id2=$(cat "$T/id2")
"$MESHCTL" recordings export --source "file:$OUT" "$id2" >"$T/x2.cast"
python3 - "$T/x2.cast" <<'EOF' >"$T/ev2"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
h = json.loads(lines[0])
ev = [json.loads(l) for l in lines[1:]]
print("pty" if h["pty"] else "nopty", "input" if h["inputRecorded"] else "noinput")
for code in "oei":
    print(code, repr("".join(e[2] for e in ev if e[1] == code)))
EOF
check "exec header: no pty, input recorded" grep -qx "nopty input" "$T/ev2"
check "stdout recorded as o events" grep -qx "o 'typed secret\\\\nto-stdout\\\\n'" "$T/ev2"
check "stderr recorded as e events" grep -qx "e 'to-stderr\\\\n'" "$T/ev2"
check "input recorded as i events when asked" grep -qx "i 'typed secret\\\\n'" "$T/ev2"
cast_cat "$T/x2.cast" "$T/cat2"
check "asciinema cat plays an exec session's stdout" cmp -s "$T/seen2" "$T/cat2"

# 3. audit events: gapless seq, unique ids, the schema's fields
python3 - "$OUT/audit.jsonl" <<'EOF' >"$T/audit"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
seqs = [e["seq"] for e in evs]
print("gapless" if seqs == list(range(len(evs))) else "gaps %r" % seqs)
print("unique" if len({e["id"] for e in evs}) == len(evs) else "dup ids")
print(" ".join(e["type"] for e in evs))
print("fields" if all(e["v"] == 1 and e["host"] == "web-1" and e["time"].endswith("Z") for e in evs) else "bad")
ends = [e for e in evs if e["type"] == "session.end"]
print("exit", " ".join(str(e["exitStatus"]) for e in ends))
EOF
check "audit seq is gapless from 0" grep -qx gapless "$T/audit"
check "audit ids are unique" grep -qx unique "$T/audit"
check "recording.start, session.start, session.end for each session" grep -qx \
	"recording.start session.start session.end recording.start session.start session.end" "$T/audit"
check "common fields v, host, time" grep -qx fields "$T/audit"
check "session.end carries the exit status" grep -qx "exit 3 0" "$T/audit"

# 4. idempotent shipping: a second run delivers nothing twice
before=$(wc -l <"$OUT/audit.jsonl")
ship
check "re-running the shipper duplicates nothing (cursor)" test "$(wc -l <"$OUT/audit.jsonl")" = "$before"

# 5. the user in the session cannot read or alter the spool or recordings
"$REC_SIM" --spool "$SP" --user nobody --id-file "$T/id3" -- sh -c "
	cat $SP/seg-* >/dev/null 2>&1 && echo READ-SPOOL
	ls $SP >/dev/null 2>&1 && echo LIST-SPOOL
	echo x >>$SP/seg-0000000000000000.log 2>/dev/null && echo WROTE-SPOOL
	rm -f $SP/head 2>/dev/null && echo REMOVED-HEAD
	cat $OUT/*.cast >/dev/null 2>&1 && echo READ-RECORDING
	id -un" >"$T/seen3"
check "the session ran as nobody" grep -q "^nobody" "$T/seen3"
check "nobody could not read, list, write or remove the spool or recordings" \
	sh -c "! grep -qE 'READ-SPOOL|LIST-SPOOL|WROTE-SPOOL|REMOVED-HEAD|READ-RECORDING' '$T/seen3'"
check "the spool's head file is still there" test -s "$SP/head"
check "spool directory is root-owned 0700" test "$(stat -c '%U %a' "$SP")" = "root 700"
chmod 0755 "$SP"
"$REC_SIM" --spool "$SP" --enforce -- true 2>"$T/err3"
check "enforced session refused when the spool is open to others" test $? = 255
check "with a message naming the problem" grep -q "want root and 0700" "$T/err3"
chmod 0700 "$SP"
finish
