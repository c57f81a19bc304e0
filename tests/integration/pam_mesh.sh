#!/bin/sh
# pam_mesh.so through the real libpam: a private mount namespace gets its own
# /etc/pam.d with a meshsshd-like service, su and sudo.  A provisioned
# account passes the account step only with a fresh policy ticket for this
# user and peer, once; su is refused, sudo allowed; the session step creates
# the home from the skeleton and strips the ticket; a deprovisioned account
# is refused everywhere; other accounts are not our business.
set -u
. "$top_srcdir/tests/integration/nss_lib.sh"
nss_require_root_ns
command -v pamtester >/dev/null || cannot "pamtester not installed"
module=$top_builddir/pam/.libs/pam_mesh.so
helper=$top_builddir/tests/integration/nss_provision_helper
pamhelper=$top_builddir/tests/integration/pam_helper
meshctl=$top_builddir/ctl/meshctl
[ -f "$module" ] || cannot "module not built"

tmp=$(mktemp -d /tmp/pam_mesh.$$.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
mkdir -m 755 "$tmp/db" "$tmp/home" "$tmp/pam.d" "$tmp/skel"
mkdir -m 700 "$tmp/auth"
echo 'echo welcome' >"$tmp/skel/.profile"
export MESH_USERDB_DIR="$tmp/db" MESH_AUTH_DIR="$tmp/auth"
for svc in meshsshd-test su sudo; do
	cat >"$tmp/pam.d/$svc" <<EOF
account required $module
account required pam_permit.so
session required $module skel=$tmp/skel
session required pam_permit.so
EOF
done
cat >"$tmp/ns" <<EOF
#!/bin/sh
exec unshare -m -- sh -c 'mount --bind "$tmp/pam.d" /etc/pam.d && exec "\$@"' sh "\$@"
EOF
chmod 755 "$tmp/ns"
printf 'ProvisionUsers yes\nProvisionHomeBase %s/home\nPort 22\n' "$tmp" >"$tmp/meshsshd.conf"

line=$("$helper" -H "$tmp/home" ensure idp-alice alice@example.com "Alice") || line=""
uid=$(echo "$line" | cut -d' ' -f2)
"$helper" -H "$tmp/home" ensure idp-bob bob@example.com >/dev/null
t "provision alice and bob" test -n "$uid"
ticket() { "$helper" ticket "$1" "$2"; }

tk=$(ticket alice 100.64.0.2)
res=$("$tmp/ns" "$pamhelper" meshsshd-test alice 100.64.0.2 "$tk")
t "fresh ticket: account and session succeed" test "$res" = \
	"account=Success session=Success ticket_in_env=no"
t "home created" test -d "$tmp/home/alice"
t "home owned by the user" test "$(stat -c %u:%g:%a "$tmp/home/alice")" = "$uid:$uid:700"
t "skeleton copied, owned by the user" test "$(stat -c %u "$tmp/home/alice/.profile")" = "$uid"
t "ticket is one-use" sh -c "! '$tmp/ns' '$pamhelper' meshsshd-test alice 100.64.0.2 '$tk'"
t "ticket file consumed" test -z "$(ls "$tmp/auth")"
t "no ticket: refused" sh -c "! '$tmp/ns' pamtester meshsshd-test alice acct_mgmt"
tk=$(ticket alice 100.64.0.2)
t "ticket from another peer: refused" sh -c "! '$tmp/ns' '$pamhelper' meshsshd-test alice 100.64.0.3 '$tk'"
tk=$(ticket bob 100.64.0.2)
t "bob's ticket for alice: refused" sh -c "! '$tmp/ns' '$pamhelper' meshsshd-test alice 100.64.0.2 '$tk'"
forged="MESH_AUTH_INFO_0=v1:0123456789abcdef:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
t "forged ticket: refused" sh -c "! '$tmp/ns' '$pamhelper' meshsshd-test alice 100.64.0.2 '$forged'"
t "su without ticket: refused" sh -c "! '$tmp/ns' pamtester su alice acct_mgmt"
t "sudo (already logged in): allowed" "$tmp/ns" pamtester sudo alice acct_mgmt
t "non-mesh account root: not our business" "$tmp/ns" pamtester meshsshd-test root acct_mgmt
t "non-mesh account through su: not our business" "$tmp/ns" pamtester su root acct_mgmt

# meshctl users, then deprovisioning
t "meshctl users list" sh -c "'$meshctl' users list -f '$tmp/meshsshd.conf' | grep -Eq '^$uid +alice +active +alice@example.com'"
t "meshctl users show by login" sh -c "'$meshctl' users show -f '$tmp/meshsshd.conf' alice@example.com | grep -q 'id:     idp-alice'"
t "meshctl users show unknown: exit 1" sh -c "'$meshctl' users show -f '$tmp/meshsshd.conf' nobody; test \$? = 1"
t "meshctl users remove alice" "$meshctl" users remove -f "$tmp/meshsshd.conf" alice
t "removed: listed as removed" sh -c "'$meshctl' users list -f '$tmp/meshsshd.conf' | grep -Eq '^$uid +alice +removed'"
t "removed: entry kept, locked" sh -c "grep -q '^alice:!:$uid:$uid:.*:/usr/sbin/nologin\$' '$tmp/db/passwd'"
t "removed: files kept" test -f "$tmp/home/alice/.profile"
tk=$(ticket alice 100.64.0.2)
t "removed: refused with a ticket" sh -c "! '$tmp/ns' '$pamhelper' meshsshd-test alice 100.64.0.2 '$tk'"
t "removed: sudo refused" sh -c "! '$tmp/ns' pamtester sudo alice acct_mgmt"
t "bob unaffected" "$tmp/ns" pamtester sudo bob acct_mgmt
t "bad option line: meshctl names the line" sh -c "printf 'ProvisionUidRange 5-1\n' >'$tmp/bad.conf'; '$meshctl' users list -f '$tmp/bad.conf' 2>&1 | grep -q 'bad.conf:1'"

# the one static sudoers rule: shipped, valid, and the one the man page documents
rule=$(grep -v '^#' "$top_srcdir/etc/sudoers.d/meshssh")
if command -v visudo >/dev/null 2>&1; then
	t "etc/sudoers.d/meshssh passes visudo -c" visudo -c -q -f "$top_srcdir/etc/sudoers.d/meshssh"
else
	n=$((n + 1))
	echo "ok $n - etc/sudoers.d/meshssh passes visudo -c # SKIP visudo not installed"
fi
t "the sudoers file is one rule for the admin group" test "$rule" = "%mesh-admins ALL=(ALL:ALL) NOPASSWD: ALL"
t "pam_mesh(8) documents that rule" grep -qF "$rule" "$top_srcdir/man/pam_mesh.8"

nss_done
