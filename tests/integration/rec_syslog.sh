#!/bin/bash
# The syslog sinks against the real rsyslog from Debian: RFC 5424 over TCP
# (octet counting) and over TLS (rsyslog-gnutls, a test CA made with
# certtool).  The audit events arrive once each with gapless seq; the
# recording is rebuilt from the syslog messages (ordered by chunk) and
# asciinema reproduces the session byte for byte.  A server certificate
# from an unknown CA is refused (nothing delivered, delivered once the CA
# is right), and a restarted rsyslog is reconnected to without loss.
. "$(dirname "$0")/rec_lib.sh"
need rsyslogd certtool asciinema script python3 ss
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || [ -n "$(find /usr/lib -name lmnsd_gtls.so 2>/dev/null | head -1)" ] ||
	cannot_run "rsyslog-gnutls is not installed"

SP=$T/spool
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { ss -ltnH "sport = :$1" | grep -q LISTEN; }

# a test CA and a server certificate for 127.0.0.1; and an unrelated CA
cat >"$T/ca.tmpl" <<EOF
cn = "meshssh test CA $$"
ca
cert_signing_key
expiration_days = 2
EOF
cat >"$T/srv.tmpl" <<EOF
cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "localhost"
tls_www_server
encryption_key
signing_key
expiration_days = 2
EOF
{
	certtool --generate-privkey --outfile "$T/ca.key" &&
		certtool --generate-self-signed --load-privkey "$T/ca.key" --template "$T/ca.tmpl" --outfile "$T/ca.pem" &&
		certtool --generate-privkey --outfile "$T/srv.key" &&
		certtool --generate-certificate --load-privkey "$T/srv.key" --load-ca-certificate "$T/ca.pem" \
			--load-ca-privkey "$T/ca.key" --template "$T/srv.tmpl" --outfile "$T/srv.pem" &&
		certtool --generate-privkey --outfile "$T/other.key" &&
		certtool --generate-self-signed --load-privkey "$T/other.key" --template "$T/ca.tmpl" --outfile "$T/other.pem"
} >"$T/certtool.log" 2>&1 || cannot_run "certtool failed"

start_rsyslog() { # start_rsyslog NAME PORT tls|plain -> $last_pid
	local name=$1 p=$2 mode=$3 driver=""
	mkdir -p "$T/$name.work"
	if [ "$mode" = tls ]; then
		cat >"$T/$name.conf" <<EOF
global(workDirectory="$T/$name.work" maxMessageSize="256k"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$T/ca.pem"
       DefaultNetstreamDriverCertFile="$T/srv.pem"
       DefaultNetstreamDriverKeyFile="$T/srv.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
EOF
	else
		cat >"$T/$name.conf" <<EOF
global(workDirectory="$T/$name.work" maxMessageSize="256k")
module(load="imtcp")
EOF
	fi
	cat >>"$T/$name.conf" <<EOF
input(type="imtcp" port="$p")
template(name="t" type="string" string="%hostname% %app-name% %msgid% %structured-data% %msg%\n")
action(type="omfile" file="$T/$name.out" template="t")
EOF
	bg rsyslogd -n -f "$T/$name.conf" -i "$T/$name.pid"
	wait_for 100 listening "$p"
}

PPORT=$(free_port)
TPORT=$(free_port)
start_rsyslog plain "$PPORT" plain || cannot_run "rsyslogd (plain TCP) did not start"
PLAIN_PID=$last_pid
start_rsyslog tls "$TPORT" tls || cannot_run "rsyslogd (TLS) did not start"
TLS_PID=$last_pid

"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/id1" --src-node laptop -- \
	sh -c 'printf "syslog \342\234\223 \033[7mreverse\033[0m\n"; seq 1 3000' >"$T/seen1"
ID1=$(cat "$T/id1")

# TLS with the wrong CA: refused, nothing delivered
"$SHIPPER" --spool "$SP" --host web-1 --audit-sink "syslog+tls:127.0.0.1:$TPORT ca=$T/other.pem" \
	--recording-sink "syslog+tls:127.0.0.1:$TPORT ca=$T/other.pem" --once 2>"$T/ship-bad.log"
check "TLS to a server whose certificate the CA did not sign fails" test $? = 1
check "the shipper says why (certificate)" grep -qi "certificate" "$T/ship-bad.log"
check "nothing reached rsyslog over an unverified connection" test ! -s "$T/tls.out"

# plain TCP and TLS with the right CA, in one shipper
"$SHIPPER" --spool "$SP" --host web-1 \
	--audit-sink "syslog:127.0.0.1:$PPORT" --recording-sink "syslog:127.0.0.1:$PPORT" \
	--audit-sink "syslog+tls:127.0.0.1:$TPORT ca=$T/ca.pem" \
	--recording-sink "syslog+tls:127.0.0.1:$TPORT ca=$T/ca.pem" --once 2>"$T/ship.log"
check "shipper delivers to rsyslog over TCP and TLS" test $? = 0

# rebuild a recording and the audit stream from what rsyslog wrote
cat >"$T/rebuild.py" <<'EOF'
import json, re, sys
out, sid, castfile = sys.argv[1], sys.argv[2], sys.argv[3]
chunks, audit, bad = [], [], 0
for l in open(out, encoding="utf-8"):
    l = l.rstrip("\n")
    m = re.match(r'^(\S+) (\S+) (\S+) (\[.*?\]) (.*)$', l)
    if not m:
        bad += 1
        continue
    host, app, msgid, sd, msg = m.groups()
    if host != "web-1" or app != "meshsshd":
        bad += 1
    if msgid == "audit":
        seq = int(re.search(r'seq="(\d+)"', sd).group(1))
        ev = json.loads(msg)
        bad += ev["seq"] != seq
        audit.append(ev)
    elif msgid == "asciicast":
        s = re.search(r'session="([0-9a-f]{32})" chunk="(\d+)"', sd)
        if s.group(1) == sid:
            chunks.append((int(s.group(2)), msg))
    else:
        bad += 1
chunks.sort(key=lambda c: c[0])
with open(castfile, "w", encoding="utf-8") as f:
    for _, msg in chunks:
        f.write(msg + "\n")
seqs = sorted(e["seq"] for e in audit)
print("wellformed" if bad == 0 else "bad %d" % bad)
print("audit-once" if seqs == list(range(len(seqs))) and seqs else "audit %r" % seqs)
print("chunks-once" if [c[0] for c in chunks] == sorted(set(c[0] for c in chunks)) else "dup chunks")
print("audit %d" % len(audit))
EOF
for mode in plain tls; do
	python3 "$T/rebuild.py" "$T/$mode.out" "$ID1" "$T/$mode-1.cast" >"$T/$mode.res"
	check "$mode: every message is RFC 5424 with our host, app and structured data" grep -qx wellformed "$T/$mode.res"
	check "$mode: audit events once each, seq gapless" grep -qx audit-once "$T/$mode.res"
	check "$mode: recording chunks once each" grep -qx chunks-once "$T/$mode.res"
	cast_cat "$T/$mode-1.cast" "$T/$mode-1.out"
	check "$mode: the recording rebuilt from syslog plays byte for byte" cmp -s "$T/seen1" "$T/$mode-1.out"
done

# rsyslog restarted under a running shipper: reconnect, nothing lost
bg "$SHIPPER" --spool "$SP" --host web-1 --audit-sink "syslog:127.0.0.1:$PPORT" \
	--recording-sink "syslog:127.0.0.1:$PPORT" --backoff-min-ms 100 --backoff-max-ms 500 --poll-ms 50
SHPID=$last_pid
stop "$PLAIN_PID"
"$REC_SIM" --spool "$SP" --host web-1 --id-file "$T/id2" -- sh -c 'echo after restart; seq 1 500' >"$T/seen2"
ID2=$(cat "$T/id2")
start_rsyslog plain "$PPORT" plain || nok "rsyslogd restarts"
PLAIN_PID=$last_pid
rebuilt2() {
	python3 "$T/rebuild.py" "$T/plain.out" "$ID2" "$T/plain-2.cast" >"$T/plain2.res" &&
		tail -n 1 "$T/plain-2.cast" | grep -q '"x", "0"'
}
check "after rsyslog's restart the next session is delivered" wait_for 300 rebuilt2
cast_cat "$T/plain-2.cast" "$T/plain-2.out"
check "and plays byte for byte" cmp -s "$T/seen2" "$T/plain-2.out"
check "audit still once each, gapless, across the restart" grep -qx audit-once "$T/plain2.res"
check "six audit events (two sessions)" grep -qx "audit 6" "$T/plain2.res"
stop "$SHPID"
finish
