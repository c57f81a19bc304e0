#!/bin/bash
# sshd_exec: exec sessions without a pty through the stock OpenSSH client:
# exit codes, stdin/stdout/stderr separation, 64 MiB binary integrity both
# ways, EOF in both directions, exit-signal, a signal delivered to a remote
# process, keepalives, the user's identity and working directory.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

e2e_capture e2e_ssh web-1 true
e2e_is "$E2E_RC" 0 "ssh web-1 true exits 0"

e2e_capture e2e_ssh web-1 'exit 42'
e2e_is "$E2E_RC" 42 "the remote exit status reaches the client (42)"

e2e_capture e2e_ssh web-1 'echo to-stdout; echo to-stderr >&2; exit 3'
e2e_is "$E2E_OUT" to-stdout "stdout carries only stdout"
e2e_is "$E2E_ERR" to-stderr "stderr carries only stderr (extended data)"
e2e_is "$E2E_RC" 3 "exit status with both streams used"

e2e_capture e2e_ssh web-1 'printf "%s|" a "b c"'
e2e_is "$E2E_OUT" "a|b c|" "the command runs through the user's shell with its quoting"

e2e_capture e2e_ssh web-1 'id -un; id -u; pwd'
e2e_is "$E2E_OUT" "$(printf '%s\n%s\n%s' "$E2E_USER" "$E2E_UID" "$E2E_HOME")" \
	"the command runs as the user, in the user's home"

printf 'line one\nline two\n' >"$T/small.in"
e2e_capture e2e_ssh web-1 'cat; echo after-eof' <"$T/small.in"
e2e_is "$E2E_OUT" "$(printf 'line one\nline two\nafter-eof')" \
	"stdin reaches the command and its EOF lets the command go on"

# 64 MiB of random bytes up and down; digests compared end to end.
head -c 64M /dev/urandom >"$T/up.bin"
e2e_capture e2e_ssh web-1 'cat > up.bin' <"$T/up.bin"
e2e_is "$E2E_RC" 0 "64 MiB upload through stdin exits 0"
e2e_is "$(e2e_sha256 "$E2E_HOME/up.bin")" "$(e2e_sha256 "$T/up.bin")" \
	"64 MiB upload arrives bit for bit"
e2e_is "$(stat -c %u "$E2E_HOME/up.bin")" "$E2E_UID" "the uploaded file belongs to the user"

head -c 64M /dev/urandom >"$T/down.src"
cp "$T/down.src" "$E2E_HOME/down.bin"
chown "$E2E_UID" "$E2E_HOME/down.bin"
e2e_ssh web-1 'cat down.bin' >"$T/down.bin" 2>"$T/down.err"
e2e_is "$?" 0 "64 MiB download through stdout exits 0"
e2e_is "$(e2e_sha256 "$T/down.bin")" "$(e2e_sha256 "$T/down.src")" \
	"64 MiB download arrives bit for bit"
rm -f "$T/up.bin" "$T/down.bin" "$T/down.src" "$E2E_HOME/up.bin" "$E2E_HOME/down.bin"

# The command closes stdout and stderr first, then still reads stdin to EOF.
e2e_capture e2e_ssh web-1 'exec 1>&- 2>&-; cat > eof-late.txt' <"$T/small.in"
e2e_is "$E2E_RC" 0 "server-side EOF on stdout does not end the session early"
e2e_is "$(cat "$E2E_HOME/eof-late.txt" 2>/dev/null)" "$(cat "$T/small.in")" \
	"stdin sent after the server's EOF still arrives"

# The command exits while the client's stdin is still open: the session ends
# with it instead of waiting for the client's input.
mkfifo "$T/open.fifo"
sleep 600 >"$T/open.fifo" &
e2e_track $!
e2e_capture e2e_ssh web-1 'echo finished' <"$T/open.fifo"
e2e_is "$E2E_OUT:$E2E_RC" "finished:0" "the session ends when the command exits, stdin still open"

e2e_capture e2e_ssh -n web-1 'head -c 1000000 /dev/zero | wc -c'
e2e_is "$E2E_OUT" 1000000 "ssh -n runs a command with empty stdin"

# exit-signal: the OpenSSH client reports a remote death by signal as 255 and
# says which signal with -v.
e2e_capture e2e_ssh -v web-1 'kill -TERM $$'
e2e_is "$E2E_RC" 255 "a command killed by a signal makes ssh exit 255"
e2e_like "$E2E_ERR" 'rtype exit-signal' "the server sends exit-signal"
e2e_unlike "$E2E_ERR" 'rtype exit-status' "and no exit-status for a signalled command"

# A signal delivered to a remote process from the server's side.
e2e_bg "$T/victim" e2e_ssh web-1 'echo $$ > victim.pid; exec sleep 600'
victim_ssh=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/victim.pid"
victim=$(cat "$E2E_HOME/victim.pid" 2>/dev/null)
e2e_like "$(ps -o uid=,comm= -p "${victim:-0}" 2>/dev/null)" "^ *$E2E_UID +sleep\$" \
	"the remote command runs as the user (pid ${victim:-none})"
kill -USR1 "${victim:-0}" 2>/dev/null
wait "$victim_ssh"
e2e_is "$?" 255 "killing the remote process ends the client's session (exit 255)"

# Keepalives: the server answers keepalive@openssh.com; unanswered ones
# (ServerAliveCountMax) would make the client give up.
e2e_capture e2e_ssh -o ServerAliveInterval=1 -o ServerAliveCountMax=2 web-1 'sleep 5; echo alive'
e2e_is "$E2E_OUT:$E2E_RC" "alive:0" "the session survives client keepalives over 5 s"

# IPv6 mesh address.
e2e_capture e2e_ssh web-1-v6 'echo $SSH_CONNECTION'
e2e_like "$E2E_OUT" "^$E2E_CLI_ADDR6 [0-9]+ $E2E_SRV_ADDR6 $E2E_SSH_PORT\$" \
	"a session over the IPv6 mesh address works"

e2e_done
