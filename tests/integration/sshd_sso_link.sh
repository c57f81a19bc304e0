#!/bin/sh
# meshsshd keeps the OIDC client out of its process (issue #3's memory
# target): libcurl, cjose and what they pull in (gnutls, ldap, krb5,
# nghttp2, ...) are linked by the meshssh-sso helper only.  Checks the
# NEEDED entries of both binaries with readelf -d.
set -u
builddir=${top_builddir:-.}
D="$builddir/sshd/meshsshd"
H="$builddir/sshd/meshssh-sso"

if ! command -v readelf >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - cannot run: readelf missing"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP readelf missing"
	exit 0
fi

n=0
ok() { # ok STATUS DESC
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

needed "$D" >need.meshsshd.$$ 2>&1
[ -s need.meshsshd.$$ ]
ok $? "readelf lists meshsshd's NEEDED libraries"
for lib in libcurl libcjose libgnutls libldap libkrb5 libnghttp2 libssh2 librtmp libpsl libidn2; do
	! grep -q "^$lib" need.meshsshd.$$
	ok $? "meshsshd does not link $lib"
done
grep -q '^libssh\.' need.meshsshd.$$
ok $? "meshsshd links libssh (the check looks at the right binary)"
needed "$H" >need.helper.$$ 2>&1
grep -q '^libcurl' need.helper.$$ && grep -q '^libcjose' need.helper.$$
ok $? "the meshssh-sso helper links libcurl and cjose"
! grep -q '^libssh\.\|^libpam' need.helper.$$
ok $? "the helper links neither libssh nor libpam"
sed 's/^/# meshsshd NEEDED: /' need.meshsshd.$$
rm -f need.meshsshd.$$ need.helper.$$
echo "1..$n"
