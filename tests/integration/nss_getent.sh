#!/bin/sh
# libnss_mesh.so.2 through the real glibc: a private mount namespace gets an
# nsswitch.conf with "passwd: files mesh", "group: files mesh", "hosts: files
# mesh", the built module is found through LD_LIBRARY_PATH, and getent, id
# and a long-running python process look accounts up that the real
# provisioning code wrote.
set -u
. "$top_srcdir/tests/integration/nss_lib.sh"
nss_require_root_ns
module=$top_builddir/nsswitch/.libs/libnss_mesh.so
helper=$top_builddir/tests/integration/nss_provision_helper
[ -f "$module" ] || cannot "module not built"

tmp=$(mktemp -d /tmp/nss_getent.$$.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
db=$tmp/db
mkdir -m 755 "$db" "$tmp/lib"
ln -s "$module" "$tmp/lib/libnss_mesh.so.2"
printf 'passwd: files mesh\ngroup: files mesh\nshadow: files\nhosts: files mesh\n' >"$tmp/nsswitch.conf"
export MESH_USERDB_DIR="$db"

prov() { "$helper" -r 81000-81999 -m admins:mesh-admins -m admins:adm "$@"; }
# ns CMD...: run CMD with the test nsswitch.conf and the built module
cat >"$tmp/ns" <<EOF
#!/bin/sh
exec unshare -m -- sh -c 'mount --bind "\$1" /etc/nsswitch.conf && shift && exec "\$@"' sh \\
	"$tmp/nsswitch.conf" env LD_LIBRARY_PATH="$tmp/lib" "\$@"
EOF
chmod 755 "$tmp/ns"
ns() { "$tmp/ns" "$@"; }
out() { ns "$@" 2>/dev/null; }

alice=$(prov ensure idp-alice alice@example.com "Alice Example" admins) || alice=""
uid=$(echo "$alice" | cut -d' ' -f2)
t "provision alice" test -n "$uid"
t "getent passwd alice" test "$(out getent passwd alice)" = \
	"alice:*:$uid:$uid:Alice Example:/home/alice:/bin/bash"
t "getent passwd by uid" test "$(out getent passwd "$uid" | cut -d: -f1)" = alice
t "getent group alice (personal group)" test "$(out getent group alice)" = "alice:x:$uid:"
t "getent group mesh-admins lists alice" sh -c "echo '$(out getent group mesh-admins)' | grep -q ':alice\$'"
t "id -u alice" test "$(out id -u alice)" = "$uid"
t "id -Gn alice has mesh-admins (initgroups_dyn)" sh -c "echo ' $(out id -Gn alice) ' | grep -q ' mesh-admins '"
t "id -gn alice" test "$(out id -gn alice)" = alice
# a mapped system group (adm, in /etc/group) is listed once, from files;
# initgroups still puts alice in it (group.system)
t "mapped system group: getent group adm once" sh -c \
	"test \$(echo '$(out getent group)' | grep -c '^adm:') = 1"
t "mapped system group: getent group adm is the files entry" test \
	"$(out getent group adm | cut -d: -f1-3)" = "adm:x:4"
t "mapped system group: not in the mesh group file" sh -c "! grep -q '^adm:' '$db/group'"
t "mapped system group: id -Gn alice has adm" sh -c "echo ' $(out id -Gn alice) ' | grep -q ' adm '"
t "mapped system group: getent initgroups alice has gid 4" sh -c \
	"echo ' $(out getent initgroups alice) ' | grep -q ' 4 '"
t "enumeration: root and alice once" sh -c \
	"test \$(echo '$(out getent passwd)' | grep -c -e '^alice:' -e '^root:') = 2"
t "group enumeration has mesh-admins" sh -c "echo '$(out getent group)' | grep -q '^mesh-admins:'"
t "unknown user: exit 2" sh -c "! $tmp/ns getent passwd nosuchuser"

# collision with an existing local account: a suffixed name, local one untouched
d=$(prov ensure idp-daemon daemon@example.com) || d=""
dname=$(echo "$d" | cut -d' ' -f1)
t "collision gets a suffixed name" sh -c "echo '$dname' | grep -Eq '^daemon-[0-9a-f]{4}\$'"
t "local daemon still uid 1" test "$(out getent passwd daemon | cut -d: -f3)" = 1
t "suffixed account resolves" test "$(out id -u "$dname")" = "$(echo "$d" | cut -d' ' -f2)"
t "same identity again: same uid" test "$(prov ensure idp-alice alice@example.com "Alice Example" admins | cut -d' ' -f2)" = "$uid"

# a long-running process sees a new account without a restart
cat >"$tmp/live.py" <<EOF
import pwd, subprocess, sys
try:
    pwd.getpwnam("carol"); sys.exit(3)
except KeyError:
    pass
subprocess.run(["$helper", "-r", "81000-81999", "ensure", "idp-carol", "carol@example.com"],
               check=True, stdout=subprocess.DEVNULL)
print(pwd.getpwnam("carol").pw_uid)
EOF
cuid=$(out python3 "$tmp/live.py")
t "new account visible in a running process" test -n "$cuid"
t "uid matches the userdb" test "$(out getent passwd carol | cut -d: -f3)" = "$cuid"

# hosts: node names from the mesh hosts file
printf '# test\n100.64.0.1 web-1 web-1.mesh.test\nfd7a:115c:a1e0::1 web-1 web-1.mesh.test\n100.64.0.2 db-1\n' >"$db/hosts"
t "getent ahostsv4 web-1 (gethostbyname4_r)" sh -c "$tmp/ns getent ahostsv4 web-1 | grep -q '^100.64.0.1 '"
t "getent ahostsv6 web-1" sh -c "$tmp/ns getent ahostsv6 web-1 | grep -q '^fd7a:115c:a1e0::1 '"
t "getent hosts db-1.  (gethostbyname2_r)" sh -c "$tmp/ns getent hosts db-1 | grep -q '^100.64.0.2 *db-1'"
t "FQDN alias, any case" sh -c "$tmp/ns getent ahostsv4 WEB-1.mesh.test | grep -q '^100.64.0.1 '"
t "reverse 100.64.0.2" sh -c "$tmp/ns getent hosts 100.64.0.2 | grep -q 'db-1'"
t "unknown host: exit 2" sh -c "! $tmp/ns getent ahostsv4 nosuch-node"

# an unsafe or missing userdb is not used, and does not break files
chmod g+w "$db/passwd"
t "group-writable passwd refused" sh -c "! $tmp/ns getent passwd alice"
t "files still answer" test "$(out getent passwd root | cut -d: -f3)" = 0
chmod g-w "$db/passwd"
t "safe again: answers" test "$(out getent passwd alice | cut -d: -f3)" = "$uid"
mv "$db" "$tmp/db.away"
t "missing userdb: not found" sh -c "! $tmp/ns getent passwd alice"
t "missing userdb: files still answer" test "$(out id -u root)" = 0
mv "$tmp/db.away" "$db"

# a hand-written group with 3000 members (no index: the scan path) makes
# glibc grow its buffer after ERANGE
big=$tmp/big
mkdir -m 755 "$big"
awk 'BEGIN { printf "big:x:81900:"; for (i = 0; i < 3000; i++) printf "%smember%d", i ? "," : "", i; print "" }' >"$big/group"
: >"$big/passwd"
chmod 644 "$big/group" "$big/passwd"
members=$(MESH_USERDB_DIR=$big ns getent group big | tr ',' '\n' | grep -c member)
t "3000-member group through ERANGE retries" test "$members" = 3000
t "initgroups scan path" sh -c "MESH_USERDB_DIR=$big $tmp/ns getent initgroups member2999 | grep -q 81900"

nss_done
