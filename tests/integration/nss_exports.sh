#!/bin/sh
# The built modules export exactly their entry points, load with every
# symbol resolved (dlopen RTLD_NOW), and link libc (and libpam) only.
set -u
. "$top_srcdir/tests/integration/nss_lib.sh"
nss=$top_builddir/nsswitch/.libs/libnss_mesh.so
pam=$top_builddir/pam/.libs/pam_mesh.so
want_nss="_nss_mesh_endgrent _nss_mesh_endpwent _nss_mesh_getgrent_r _nss_mesh_getgrgid_r
_nss_mesh_getgrnam_r _nss_mesh_gethostbyaddr2_r _nss_mesh_gethostbyaddr_r
_nss_mesh_gethostbyname2_r _nss_mesh_gethostbyname3_r _nss_mesh_gethostbyname4_r
_nss_mesh_gethostbyname_r _nss_mesh_getpwent_r _nss_mesh_getpwnam_r _nss_mesh_getpwuid_r
_nss_mesh_initgroups_dyn _nss_mesh_setgrent _nss_mesh_setpwent"
want_pam="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred"
exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRW]$/ { print $3 }' | sort | tr '\n' ' '; }
sorted() { echo "$@" | tr ' \n' '\n\n' | grep . | sort | tr '\n' ' '; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' '; }
dl() { python3 -c 'import ctypes, sys; l = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_LOCAL); [getattr(l, s) for s in sys.argv[2:]]' "$@"; }

t "libnss_mesh exports exactly _nss_mesh_*" test "$(exports "$nss")" = "$(sorted $want_nss)"
t "pam_mesh exports exactly pam_sm_*" test "$(exports "$pam")" = "$(sorted $want_pam)"
t "libnss_mesh needs libc only" test "$(needed "$nss")" = "libc.so.6 "
t "pam_mesh needs libc and libpam only" test "$(needed "$pam")" = "libc.so.6 libpam.so.0 "
t "libnss_mesh dlopens with all symbols" dl "$nss" $want_nss
t "pam_mesh dlopens with all symbols" dl "$pam" $want_pam
t "no sanitizer runtime in the modules" sh -c "! nm -D '$nss' '$pam' | grep -q __asan"
nss_done
