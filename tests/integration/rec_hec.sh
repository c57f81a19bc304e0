#!/bin/bash
# The generic HTTP JSON sink in Splunk HEC format, against a test receiver
# that validates the HEC request format (not a real Splunk): the token from
# a 0600 file in "Authorization: Splunk", the event objects, the audit
# events once each, the recording rebuilt from the events playing byte for
# byte.  A wrong token delivers nothing and loses nothing; a token file
# readable by others is refused.  Several sinks at once (HEC and file).
. "$(dirname "$0")/rec_lib.sh"
need asciinema script python3 curl

SP=$T/spool
TOKEN=tok-$$-$RANDOM
start_receiver hec hec 0 --token "$TOKEN" || cannot_run "the HEC receiver did not start"
URL=http://127.0.0.1:$port/services/collector/event
umask 077
echo "wrong-token" >"$T/bad.token"
echo "$TOKEN" >"$T/hec.token"
umask 022

"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/id1" --src-node laptop -- \
	sh -c 'printf "hec \360\237\246\204 \033[4munderline\033[0m\n"; seq 1 4000; exit 7' >"$T/seen1"
ID1=$(cat "$T/id1")

"$SHIPPER" --spool "$SP" --host web-1 --audit-sink "hec:$URL token=$T/bad.token" \
	--recording-sink "hec:$URL token=$T/bad.token" --once 2>"$T/bad.log"
check "a wrong token: the shipper reports failure" test $? = 1
check "naming the HTTP status" grep -q "HTTP 401" "$T/bad.log"
check "nothing was stored" test "$(curl -sf "http://127.0.0.1:$port/events")" = "[]"

chmod 0644 "$T/hec.token"
"$SHIPPER" --spool "$SP" --host web-1 --audit-sink "hec:$URL token=$T/hec.token" --once 2>"$T/perm.log"
check "a token file readable by others is refused" grep -q "gives group or others access to a secret" "$T/perm.log"
chmod 0600 "$T/hec.token"

"$SHIPPER" --spool "$SP" --host web-1 --audit-sink "hec:$URL token=$T/hec.token" \
	--recording-sink "hec:$URL token=$T/hec.token" \
	--audit-sink "file:$T/files" --recording-sink "file:$T/files" --once 2>"$T/ship.log"
check "with the right token everything is delivered, to HEC and files at once" test $? = 0
curl -sf "http://127.0.0.1:$port/events" >"$T/events.json"
python3 - "$T/events.json" "$ID1" "$T/hec1.cast" <<'EOF' >"$T/res"
import json, sys
evs = json.load(open(sys.argv[1]))
sid = sys.argv[2]
audit = [e for e in evs if e.get("sourcetype") == "meshssh:audit"]
cast = [e for e in evs if e.get("sourcetype") == "meshssh:asciicast"]
print("fields" if all(e["host"] == "web-1" and e["source"] == "meshsshd" and isinstance(e["time"], float) for e in evs) else "bad fields")
seqs = sorted(e["event"]["seq"] for e in audit)
print("audit-once" if seqs == list(range(len(seqs))) and len(seqs) == 3 else "audit %r" % seqs)
print("types " + " ".join(e["event"]["type"] for e in sorted(audit, key=lambda e: e["event"]["seq"])))
mine = sorted((e for e in cast if e["fields"]["session"] == sid), key=lambda e: e["fields"]["chunk"])
with open(sys.argv[3], "w") as f:
    for e in mine:
        f.write(e["event"] + "\n")
EOF
check "HEC envelope: time, host, source" grep -qx fields "$T/res"
check "three audit events, once each, gapless seq" grep -qx audit-once "$T/res"
check "recording.start, session.start, session.end" grep -qx "types recording.start session.start session.end" "$T/res"
cast_cat "$T/hec1.cast" "$T/hec1.out"
check "the recording rebuilt from HEC events plays byte for byte" cmp -s "$T/seen1" "$T/hec1.out"
check "the file sink got the same recording" test -s "$T/files/$ID1.cast"
"$MESHCTL" recordings export --source "file:$T/files" "$ID1" >"$T/f1.cast"
cast_cat "$T/f1.cast" "$T/f1.out"
check "and it plays byte for byte too" cmp -s "$T/seen1" "$T/f1.out"
finish
