#!/bin/bash
# sshd_utmp: login records for terminal sessions: utmp while the session
# lives (who, also from inside the session), wtmp login and logout (last),
# lastlog.  The server's utmp/wtmp/lastlog are per-run files (lib.sh).
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP
FROM="\\(($E2E_CLI_ADDR4|$E2E_CLI_NODE)\\)"

last_of() { # last_of USER: as the server sees it, where the user exists
	e2e_in_server last -w "$1"
}

lastlog_of() { # lastlog_of USER
	e2e_in_server lastlog -u "$1"
}

e2e_bg "$T/hold" e2e_ssh -tt web-1 'tty > tty-name; while [ ! -e release ]; do sleep 0.1; done; exit 0'
hold=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/tty-name"
tty=$(cat "$E2E_HOME/tty-name" 2>/dev/null)
line=${tty#/dev/}
e2e_like "$line" '^pts/[0-9]+$' "a held terminal session ($tty)"

e2e_like "$(who "$T/utmp")" "^$E2E_USER +$line .*$FROM" "who shows the session: user, tty, origin"
e2e_capture e2e_ssh -tt web-1 who
e2e_like "$(printf '%s' "$E2E_OUT" | tr -d '\r')" "^$E2E_USER +$line .*$FROM" \
	"who inside a mesh session sees the held session"
# (last calls a live session "gone - no logout" unless loginuid is set.)
e2e_like "$(last_of "$E2E_USER")" "^$E2E_USER +$line +.*(still logged in|still running|gone - no logout)" \
	"last shows the login, without a logout"

touch "$E2E_HOME/release"
wait "$hold"
e2e_is "$?" 0 "the held session ends"
e2e_wait_for sh -c "! who '$T/utmp' | grep -q '^$E2E_USER .*$line '"
e2e_unlike "$(who "$T/utmp")" "^$E2E_USER +$line " "who no longer shows the ended session"
e2e_wait_for sh -c "nsenter -t $E2E_SERVER_PID -m -n last -w '$E2E_USER' | grep -Eq '^$E2E_USER +$line .* - [0-9]{2}:[0-9]{2} '"
e2e_like "$(last_of "$E2E_USER")" "^$E2E_USER +$line +.* - [0-9]{2}:[0-9]{2} " \
	"last shows the session with its logout time"
e2e_like "$(lastlog_of "$E2E_USER")" "^$E2E_USER +pts/[0-9]+ +($E2E_CLI_ADDR4|$E2E_CLI_NODE) " \
	"lastlog records the login and where from"

e2e_done
