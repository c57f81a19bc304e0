#!/bin/bash
# accounts_login: host accounts end to end (man/meshssh-userdb.5).  The stock
# OpenSSH client logs in over the mesh as IdP logins that have no account on
# the server; meshsshd (ProvisionUsers yes, policy users localpart:*@domain)
# provisions them, pam_mesh.so creates the home, and libnss_mesh.so.2 (copied
# into the multiarch directory of the server's mount namespace, with an
# nsswitch.conf naming "mesh" in its /etc overlay) makes every program of the
# session resolve the account.  Checked: id -un, id -G (personal group plus
# the mapped groups: a system one, sudo, listed once by getent group, and a
# mesh one), the home's owner and mode, a file made there, getent and ls -l
# on the server, the same uid at the next login, a collision with a local
# account (deterministic suffix, the local account untouched), two first
# logins at the same moment (distinct, stable uids), node names through NSS
# (getent hosts, ssh web-1 without DNS; the hosts file meshsshd writes),
# su and login -f to a mesh account refused by pam_mesh, and a deprovisioned account
# (meshctl users remove) refused with a message saying so, until restored.
. "$(dirname "$0")/lib.sh"
if ! e2e_is_mesh; then
	echo "1..0 # SKIP provisioning is meshsshd's (server is $E2E_SERVER)"
	exit 0
fi
NSS_MODULE=$top_builddir/nsswitch/.libs/libnss_mesh.so
PAM_MODULE=$top_builddir/pam/.libs/pam_mesh.so
[ -f "$NSS_MODULE" ] && [ -f "$PAM_MODULE" ] || e2e_cannot_run "NSS or PAM module not built"
command -v su >/dev/null 2>&1 || e2e_cannot_run "missing tool: su"
# the multiarch directory glibc loads NSS modules from (/usr/lib/x86_64-linux-gnu)
LIBDIR=$(readlink -f "$(dirname "$(ldd /bin/true | awk '/libc\.so\.6/ { print $3 }')")")
[ -d "$LIBDIR" ] || e2e_cannot_run "cannot find the C library's directory"
# where this build's programs look: USERDB_DIR_DEFAULT and MESHAUTH_DIR_DEFAULT
mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
prefix=$(mkvar prefix)
statedir=$(mkvar localstatedir)
statedir=${statedir//\$\{prefix\}/$prefix}
rundir=$(mkvar runstatedir)
rundir=${rundir//\$\{localstatedir\}/$statedir}
DB=$statedir/lib/meshssh
AUTH_PARENT=$rundir/meshssh
case $DB$AUTH_PARENT in /*/*) ;; *) e2e_cannot_run "cannot read the build's state directories" ;; esac

RUN=$(printf '%x%02x' $$ $((RANDOM % 256)))
A_NAME=ma$RUN # IdP groups admins, eng; logs in from node "phone"
B_NAME=mb$RUN # no groups; owns the fixture's laptop
A_LOGIN=$A_NAME@example.com
B_LOGIN=$B_NAME@example.com
E2E_CLI_LOGIN=$B_LOGIN
PHONE_ADDR=$E2E_STRANGER_ADDR4 # the client's second address, made a node of A
TABLET_ADDR=$E2E_STRANGER_ADDR6

# e2e_server_prepare runs inside e2e_server_start (lib.sh), before meshsshd.
E2E_SERVER_BINDS=""
declare -A OVERLAY_UP=() # existing ancestor -> overlay upper dir
# Make each dir exist in the server's mount namespace only: a tmpfs over it if
# it exists, else an overlay on its deepest existing ancestor (one per ancestor).
server_dirs() {
	local dir anc up
	for dir in "$@"; do
		if [ -d "$dir" ]; then
			E2E_SERVER_BINDS="$E2E_SERVER_BINDS mount -t tmpfs -o mode=755 e2e-acct '$dir' &&"
			continue
		fi
		anc=$dir
		while [ ! -d "$anc" ]; do anc=$(dirname "$anc"); done
		[ "$anc" != / ] || return 1
		if [ -z "${OVERLAY_UP[$anc]:-}" ]; then
			up=$E2E_TMP/ov${#OVERLAY_UP[@]}
			mkdir -p "$up/up" "$up/work" || return 1
			OVERLAY_UP[$anc]=$up/up
			E2E_SERVER_BINDS="$E2E_SERVER_BINDS mount -t overlay e2e-acct -o lowerdir='$anc',upperdir='$up/up',workdir='$up/work' '$anc' &&"
		fi
		mkdir -p "${OVERLAY_UP[$anc]}/${dir#"$anc"/}" || return 1
	done
}
e2e_server_prepare() {
	local t=$E2E_TMP
	server_dirs "$DB" "$AUTH_PARENT" || return 1
	# the module, where glibc looks for libnss_mesh.so.2
	mkdir -p "$t/nsslib/up" "$t/nsslib/work" || return 1
	install -m 644 "$NSS_MODULE" "$t/nsslib/up/libnss_mesh.so.2" || return 1
	E2E_SERVER_BINDS="$E2E_SERVER_BINDS mount -t overlay e2e-acct -o lowerdir='$LIBDIR',upperdir='$t/nsslib/up',workdir='$t/nsslib/work' '$LIBDIR' &&"
	printf 'passwd: files mesh\ngroup: files mesh\nshadow: files\nhosts: files mesh\n' \
		>"$t/etc-up/nsswitch.conf" || return 1
	mkdir -p "$t/etc-up/pam.d"
	cat >"$t/etc-up/pam.d/meshsshd" <<EOF
# meshsshd under test (tests/integration/accounts_login.sh): sshd/pam.d/meshsshd's pam_mesh lines
account    required     pam_nologin.so
account    [success=ok ignore=ignore default=die] $PAM_MODULE
@include common-account
session    optional     pam_loginuid.so
@include common-session
session    [success=ok ignore=ignore default=die] $PAM_MODULE
session    required     pam_limits.so
EOF
	cat >"$t/etc-up/pam.d/su" <<EOF
# su under test: root may su to anyone, pam_mesh still judges mesh accounts
auth       sufficient   pam_rootok.so
account    [success=ok ignore=ignore default=die] $PAM_MODULE
account    required     pam_permit.so
session    required     pam_permit.so
EOF
	cp "$t/etc-up/pam.d/su" "$t/etc-up/pam.d/login"
	cat >>"$t/meshsshd.conf" <<EOF
ProvisionUsers yes
ProvisionHomeBase $E2E_HOMES
ProvisionGroupMap group:admins sudo
ProvisionGroupMap group:admins mesh-admins
ProvisionGroupMap group:eng mesh-eng
EOF
	# the shipped sudoers rule, installed as documented (pam_mesh(8))
	mkdir -p "$t/etc-up/sudoers.d" &&
		install -m 0440 "$top_srcdir/etc/sudoers.d/meshssh" "$t/etc-up/sudoers.d/meshssh"
}
e2e_setup
T=$E2E_TMP
e2e_in_server test -d "$DB" || e2e_cannot_run "no $DB in the server's namespace"

# The netmap: A with IdP groups on node phone, C (whose local part, lower-cased,
# is the local account E2E_OTHER) on node tablet; then the provisioning policy.
C_REQ=$(printf '%s' "$E2E_OTHER" | tr '[:lower:]' '[:upper:]')
C_LOGIN=$C_REQ@example.com
m=$E2E_MESHCTL
{
	"$m" netmap add-user "$T/netmap.json" "$A_LOGIN" --id "idp-a-$RUN" --name "Alice Mesh" \
		--group admins --group eng &&
		"$m" netmap add-user "$T/netmap.json" "$C_LOGIN" --id "idp-c-$RUN" --name "Carol" &&
		"$m" netmap add-node "$T/netmap.json" phone --key "$(wg genkey | wg pubkey)" \
			--addr "$PHONE_ADDR" --owner "$A_LOGIN" &&
		"$m" netmap add-node "$T/netmap.json" tablet --key "$(wg genkey | wg pubkey)" \
			--addr "$TABLET_ADDR" --owner "$C_LOGIN" &&
		"$m" netmap sign --key "$T/signing.key" "$T/netmap.json"
} >>"$T/setup.log" 2>&1 || e2e_cannot_run "netmap edit failed: $(tail -n 2 "$T/setup.log")"
cat >"$T/policy.hujson" <<EOF
{
	"groups": {"group:eng": ["$A_LOGIN", "$B_LOGIN", "$C_LOGIN"]},
	"tagOwners": {"tag:server": ["$A_LOGIN"]},
	"ssh": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:server"],
		 "users": ["localpart:*@example.com"]},
	],
}
EOF
kill -HUP "$E2E_SERVER_PID"
e2e_wait_for grep -q "reloaded configuration, netmap and policy" "$T/server.log" ||
	e2e_cannot_run "meshsshd did not reload: $(tail -n 3 "$T/server.log" | tr '\n' ' ')"

srv() { e2e_in_server "$@" 2>/dev/null; }
as_a() { e2e_ssh -b "$PHONE_ADDR" -l "$A_NAME" web-1 "$@"; }
as_b() { e2e_ssh -l "$B_NAME" web-1 "$@"; }

# ---- node names through NSS (the hosts file meshsshd wrote at the reload)
e2e_is "$(srv stat -c '%U %a' "$DB/hosts")" "root 644" "hosts file written by meshsshd: root, 0644"
e2e_ok "$(srv grep -qw web-1 /etc/hosts && echo 1 || echo 0)" "web-1 is not in /etc/hosts"
e2e_like "$(srv getent hosts web-1)" "^($E2E_SRV_ADDR6|$E2E_SRV_ADDR4) +web-1( |\$)" "getent hosts web-1 (mesh)"
e2e_like "$(srv getent ahostsv4 web-1 | head -n 1)" "^$E2E_SRV_ADDR4 " "getent ahostsv4 web-1"
e2e_like "$(srv getent ahostsv6 web-1 | head -n 1)" "^$E2E_SRV_ADDR6 " "getent ahostsv6 web-1"
e2e_like "$(srv getent hosts phone)" "^$PHONE_ADDR +phone" "getent hosts phone (a node added by the reload)"
e2e_like "$(srv getent hosts "$PHONE_ADDR")" "phone" "reverse lookup of phone's address"
e2e_capture e2e_in_server ssh -v -F /dev/null -o BatchMode=yes -o ConnectTimeout=5 \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null web-1 true
e2e_like "$E2E_ERR" "Connecting to web-1 \[($E2E_SRV_ADDR6|$E2E_SRV_ADDR4)\] port 22" \
	"ssh web-1 resolves the node without DNS"
e2e_has "$E2E_ERR" "remote software version libssh" "ssh web-1 reached meshsshd"

# ---- two first logins of different users at the same moment
e2e_bg "$T/first-a" e2e_ssh -b "$PHONE_ADDR" -l "$A_NAME" web-1 'id -u'
pid_a=$E2E_BG_PID
e2e_bg "$T/first-b" e2e_ssh -l "$B_NAME" web-1 'id -u'
pid_b=$E2E_BG_PID
wait "$pid_a"
rc_a=$?
wait "$pid_b"
rc_b=$?
uid_a=$(cat "$T/first-a.out")
uid_b=$(cat "$T/first-b.out")
e2e_ok "$rc_a" "first login of $A_LOGIN (no account before) succeeds"
e2e_ok "$rc_b" "first login of $B_LOGIN at the same moment succeeds"
[ "$rc_a" -eq 0 ] || e2e_diag "$(cat "$T/first-a.err")" "$(tail -n 20 "$T/server.log")"
e2e_like "$uid_a $uid_b" "^[0-9]+ [0-9]+\$" "both got a uid"
e2e_ok "$([ -n "$uid_a" ] && [ "$uid_a" != "$uid_b" ] && echo 0 || echo 1)" "the two uids are distinct ($uid_a, $uid_b)"
e2e_ok "$([ "${uid_a:-0}" -ge 70000 ] && [ "${uid_a:-0}" -le 99999 ] && echo 0 || echo 1)" \
	"uid from the provisioning range"
e2e_like "$(e2e_server_log)" "provisioned account $A_NAME \\(uid $uid_a\\) for $A_LOGIN" \
	"meshsshd logs the new account"

# ---- what the session of a new account sees
e2e_capture as_a 'id -un; id -G; stat -c "%u:%g:%a" "$HOME"; echo "$HOME"; touch "$HOME/made-here"; stat -c "%U:%u" "$HOME/made-here"; ls -ld "$HOME/made-here"; getent passwd "$(id -un)"; stat -c %U "$HOME/.bashrc"'
e2e_is "$E2E_RC" 0 "login as $A_NAME runs the command"
mapfile -t L <<<"$E2E_OUT"
gid_sudo=$(getent group sudo | cut -d: -f3)
gid_eng=$(srv getent group mesh-eng | cut -d: -f3)
gid_admins=$(srv getent group mesh-admins | cut -d: -f3)
e2e_is "${L[0]}" "$A_NAME" "id -un"
e2e_is "$(printf '%s\n' ${L[1]} | sort -n | tr '\n' ' ')" \
	"$(printf '%s\n' "$uid_a" "$gid_sudo" "$gid_admins" "$gid_eng" | sort -n | tr '\n' ' ')" \
	"id -G: personal group, sudo and mesh-admins (group:admins), mesh-eng (group:eng)"
e2e_is "${L[2]}" "$uid_a:$uid_a:700" "home owned by the user, mode 0700"
e2e_is "${L[3]}" "$E2E_HOMES/$A_NAME" "home under ProvisionHomeBase"
e2e_is "${L[4]}" "$A_NAME:$uid_a" "a file made in the home is the user's (name resolved in the session)"
e2e_like "${L[5]}" "^-[rw-]+ 1 $A_NAME $A_NAME " "ls -l in the session shows the names"
e2e_is "${L[6]}" "$A_NAME:*:$uid_a:$uid_a:Alice Mesh:$E2E_HOMES/$A_NAME:/bin/bash" \
	"getent passwd in the session"
e2e_is "${L[7]}" "$A_NAME" "skeleton files copied and owned by the user"
e2e_like "$(srv ls -ld "$E2E_HOMES/$A_NAME")" "^drwx------ +[0-9]+ $A_NAME $A_NAME " \
	"ls -ld of the home on the server resolves the names"
e2e_is "$(srv getent passwd "$uid_a" | cut -d: -f1)" "$A_NAME" "getent passwd by uid on the server"
e2e_is "$(srv getent group | grep -c '^sudo:')" 1 "getent group lists sudo once (files), not again from mesh"
e2e_like "$(srv id -Gn "$A_NAME")" "(^| )sudo( |\$)" "id -Gn on the server: the mapped system group via initgroups"

# ---- sudo through the one static rule of etc/sudoers.d/meshssh
if command -v sudo >/dev/null 2>&1 && command -v visudo >/dev/null 2>&1; then
	e2e_ok "$(srv visudo -c -q -f /etc/sudoers.d/meshssh >/dev/null && echo 0 || echo 1)" \
		"the shipped sudoers file passes visudo -c"
	e2e_is "$(as_a 'sudo -n id -u' 2>/dev/null)" 0 "a member of group:admins (mesh-admins) gets sudo"
	e2e_capture as_b 'id -un; sudo -n id -u'
	e2e_is "$E2E_OUT" "$B_NAME" "a mesh account outside group:admins does not"
else
	e2e_skip "sudo rule" "sudo or visudo not installed"
fi

# ---- the next logins: same accounts
e2e_is "$(as_a 'id -u' 2>/dev/null)" "$uid_a" "second login of $A_LOGIN: same uid"
e2e_is "$(as_b 'id -u' 2>/dev/null)" "$uid_b" "second login of $B_LOGIN: same uid"
e2e_ok "$(srv test -f "$E2E_HOMES/$A_NAME/made-here" && echo 0 || echo 1)" "the home is kept between logins"

# ---- collision: C's local part is the name of a local account
local_before=$(srv getent passwd "$E2E_OTHER")
e2e_capture e2e_ssh -b "$TABLET_ADDR" -l "$C_REQ" web-1-v6 'id -un; id -u'
mapfile -t L <<<"$E2E_OUT"
e2e_is "$E2E_RC" 0 "login of $C_LOGIN (local part is the local account $E2E_OTHER) succeeds"
e2e_like "${L[0]:-}" "^$E2E_OTHER-[0-9a-f]{4}\$" "collision: a deterministic suffix, not the local account"
e2e_ok "$([ -n "${L[1]:-}" ] && [ "${L[1]}" != "$(echo "$local_before" | cut -d: -f3)" ] && echo 0 || echo 1)" \
	"collision: a uid of its own"
e2e_is "$(srv getent passwd "$E2E_OTHER")" "$local_before" "the local account is untouched"
e2e_is "$(e2e_ssh -b "$TABLET_ADDR" -l "$C_REQ" web-1-v6 'id -un' 2>/dev/null)" "${L[0]:-x}" \
	"collision: the same suffixed account at the next login"

# ---- su to a mesh account: no meshsshd ticket, refused by pam_mesh account
e2e_capture e2e_in_server su -s /bin/sh "$A_NAME" -c "touch /tmp/acct-su-$RUN"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && [ ! -e "/tmp/acct-su-$RUN" ] && echo 0 || echo 1)" \
	"su to a mesh account is refused (exit $E2E_RC)"
e2e_like "$E2E_ERR" "[Pp]ermission denied|not permitted|denied" "su says it was denied"
e2e_capture e2e_in_server su -s /bin/sh "$E2E_USER" -c 'id -un'
e2e_is "$E2E_OUT" "$E2E_USER" "the same su stack lets root su to a local account"
rm -f "/tmp/acct-su-$RUN"
# login -f (no password asked, as after an autologin): the account step still runs
login_as() { # login_as USER: a shell that prints a marker, on a pty
	# the pty echoes the input: the marker is only whole in the shell's output
	echo "printf '%s-%s\\n' LOGGED-IN $RUN; exit" |
		e2e_in_server timeout -k 5 30 script -qec "login -f $1" /dev/null 2>&1
}
out=$(login_as "$A_NAME")
e2e_unlike "$out" "LOGGED-IN-$RUN" "login -f to a mesh account is refused"
e2e_like "$out" "[Pp]ermission denied" "login says it was denied"
e2e_like "$(login_as "$E2E_USER")" "LOGGED-IN-$RUN" "the same login stack lets a local account in"

# ---- deprovisioning
e2e_capture e2e_in_server "$E2E_MESHCTL" users remove -f "$T/meshsshd.conf" "$A_NAME"
e2e_is "$E2E_RC" 0 "meshctl users remove $A_NAME"
e2e_capture as_a 'touch "$HOME/after-removal"'
e2e_is "$E2E_RC" 255 "deprovisioned account: login refused"
e2e_has "$E2E_ERR" "was deprovisioned on this host" "the client is told the account was deprovisioned"
e2e_ok "$(srv test -e "$E2E_HOMES/$A_NAME/after-removal" && echo 1 || echo 0)" "nothing ran"
e2e_ok "$(srv test -f "$E2E_HOMES/$A_NAME/made-here" && echo 0 || echo 1)" "the files are kept"
e2e_is "$(srv getent passwd "$A_NAME" | cut -d: -f3,7)" "$uid_a:/usr/sbin/nologin" \
	"the entry stays (uid kept, nologin shell)"
e2e_is "$(as_b 'id -un' 2>/dev/null)" "$B_NAME" "other accounts are unaffected"
e2e_capture e2e_in_server "$E2E_MESHCTL" users restore -f "$T/meshsshd.conf" "$A_NAME"
e2e_is "$E2E_RC" 0 "meshctl users restore $A_NAME"
e2e_is "$(as_a 'id -u; id -G' 2>/dev/null | tr '\n' ' ' | cut -d' ' -f1)" "$uid_a" \
	"restored: same uid again"
e2e_like "$(srv id -Gn "$A_NAME")" "(^| )sudo( |\$)" "restored: groups back from the netmap"

# ---- revoking admin at the IdP: the netmap drops the group, the next login
# rewrites the userdb group file, and sudo is gone; the sudoers file is untouched
sum_sudoers=$(srv sha256sum /etc/sudoers.d/meshssh)
python3 - "$T/netmap.json" "$A_LOGIN" <<'PY' >>"$T/setup.log" 2>&1
import json, sys
path, login = sys.argv[1], sys.argv[2]
with open(path) as f:
    nm = json.load(f)
for u in nm["users"]:
    if u["login"] == login:
        u["groups"] = [g for g in u.get("groups", []) if g != "admins"]
nm["serial"] += 1
with open(path, "w") as f:
    json.dump(nm, f, indent=2)
PY
"$m" netmap sign --key "$T/signing.key" "$T/netmap.json" >>"$T/setup.log" 2>&1
reloads_past() { [ "$(grep -c "reloaded configuration, netmap and policy" "$T/server.log")" -gt "$1" ]; }
reloads=$(grep -c "reloaded configuration, netmap and policy" "$T/server.log")
kill -HUP "$E2E_SERVER_PID"
e2e_wait_for reloads_past "$reloads"
e2e_capture as_a 'id -Gn; sudo -n id -u'
e2e_like "$(echo "$E2E_OUT" | head -n 1)" "(^| )$A_NAME( |\$)" "admin revoked: the login still works"
e2e_unlike "$(echo "$E2E_OUT" | head -n 1)" "(^| )(mesh-admins|sudo)( |\$)" \
	"admin revoked at the IdP: the next login has neither mesh-admins nor sudo"
e2e_ok "$([ "$(echo "$E2E_OUT" | sed -n 2p)" != 0 ] && echo 0 || echo 1)" "admin revoked: sudo refused"
e2e_is "$(srv sha256sum /etc/sudoers.d/meshssh)" "$sum_sudoers" "the sudoers rule did not change"

e2e_done
