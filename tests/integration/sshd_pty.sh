#!/bin/bash
# sshd_pty: terminal sessions through the stock OpenSSH client on a real
# pseudo-terminal (sshd_pty_driver.py): an interactive login shell with the
# MOTD, tty, TERM, SSH_TTY, the window size and window-change, ^C reaching
# the foreground job, job control (^Z, jobs, fg), exit status; exec with
# and without a pty.
. "$(dirname "$0")/lib.sh"
e2e_setup

cat >"$E2E_HOME/ticker.py" <<'PY'
import time
print("started-%d" % 3, flush=True)
while True:
    time.sleep(0.5)
    print("tick-%d" % 6, flush=True)
PY

# The prompt is built so that the echo of the line that sets it never matches.
PROMPT='\[e2e\]\$ '

e2e_pty_new
e2e_pty_step expect "$E2E_MOTD" "the interactive login prints the MOTD"
e2e_pty_step send "PS1='[e2e]''\$ '\\r"
e2e_pty_step expect "$PROMPT" "the login shell reads commands from the terminal"
e2e_pty_step send 'echo tty=$(tty)\r'
e2e_pty_step expect 'tty=/dev/pts/[0-9]+' "tty names a pseudo-terminal"
e2e_pty_step send 'echo TERM=$TERM.\r'
e2e_pty_step expect 'TERM=xterm-256color\.' "TERM is the client's"
e2e_pty_step send '[ "$SSH_TTY" = "$(tty)" ] && echo sshtty-$((40+2))\r'
e2e_pty_step expect 'sshtty-42' "SSH_TTY is the session's terminal"
e2e_pty_step send 'echo size=$(stty size)\r'
e2e_pty_step expect 'size=40 100' "the pty has the client's window size (40x100)"
e2e_pty_step resize '50 132'
# The window-change request and the typed line travel separately: let the
# line wait (up to 10 s) for the new size instead of racing it.
e2e_pty_step send 'for i in $(seq 100); do [ "$(stty size)" = "50 132" ] && break; sleep 0.1; done; echo size=$(stty size)\r'
e2e_pty_step expect 'size=50 132' "window-change reaches the pty (50x132)"
# Each job prints a line once it is the foreground process group, so the
# control character never races the shell's fork.
e2e_pty_step send "sh -c 'echo started-\$((1+1)); exec sleep 600'\\r"
e2e_pty_step expect 'started-2'
e2e_pty_step send '\x03'
e2e_pty_step expect "$PROMPT"
e2e_pty_step send 'echo status=$?\r'
e2e_pty_step expect 'status=130' "^C interrupts the foreground job (SIGINT, status 130)"
# One process (no shell waiting for a child) that says when it runs.
e2e_pty_step send '/usr/bin/python3 ticker.py\r'
e2e_pty_step expect 'started-3'
e2e_pty_step send '\x1a'
e2e_pty_step expect 'Stopped' "^Z stops the foreground job"
e2e_pty_step send 'jobs -l\r'
e2e_pty_step expect '\[1\]\+ +[0-9]+ Stopped +/usr/bin/python3 ticker.py' "jobs lists the stopped job"
e2e_pty_step send 'fg\r'
e2e_pty_step expect 'tick-6' "fg resumes the stopped job"
e2e_pty_step send '\x03'
e2e_pty_step expect "$PROMPT"
e2e_pty_step send 'echo njobs=$(jobs | wc -l)\r'
e2e_pty_step expect 'njobs=0' "^C ends the resumed job"
e2e_pty_step send 'exit 7\r'
e2e_pty_step eof '' "the session ends when the shell exits"
e2e_pty_run shell 40 100 web-1
e2e_is "$E2E_PTY_EXIT" 7 "the shell's exit status is ssh's"

# A command with a pty that traps SIGINT: the ^C typed at the client is
# delivered as a signal to the remote process.
e2e_pty_new
e2e_pty_step expect 'ready-1' "exec with a pty runs the command"
e2e_pty_step send '\x03'
e2e_pty_step expect 'got-INT' "^C is delivered to the remote command as SIGINT"
e2e_pty_step eof ''
e2e_pty_run trap 24 80 -t web-1 'trap "echo got-INT; exit 9" INT; echo ready-$((0+1)); while :; do sleep 1; done'
e2e_is "$E2E_PTY_EXIT" 9 "the trapping command's exit status reaches the client"

# No MOTD for a command.
e2e_unlike "$(cat "$E2E_TMP/trap.transcript")" "$E2E_MOTD" "no MOTD before a command"

e2e_capture e2e_ssh -tt web-1 'tty; echo "$SSH_TTY"'
e2e_like "$(printf '%s' "$E2E_OUT" | tr -d '\r' | head -n 1)" '^/dev/pts/[0-9]+$' "ssh -tt: exec with a pty"
e2e_is "$(printf '%s' "$E2E_OUT" | tr -d '\r' | sed -n 2p)" "$(printf '%s' "$E2E_OUT" | tr -d '\r' | head -n 1)" \
	"ssh -tt: SSH_TTY names the pty"

e2e_capture e2e_ssh -T web-1 'tty; echo "SSH_TTY=${SSH_TTY-unset}"'
e2e_is "$E2E_OUT" "$(printf 'not a tty\nSSH_TTY=unset')" "ssh -T: no pty, no SSH_TTY"

# Output and exit status through a pty without a local terminal.
e2e_capture e2e_ssh -tt web-1 'printf "a\nb\n"; exit 5'
e2e_is "$(printf '%s' "$E2E_OUT" | tr -d '\r'):$E2E_RC" "$(printf 'a\nb'):5" \
	"pty output is translated (onlcr) and the exit status survives"

e2e_done
