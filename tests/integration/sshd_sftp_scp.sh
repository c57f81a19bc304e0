#!/bin/bash
# sshd_sftp_scp: the sftp subsystem (the system's sftp-server, run as the
# user) and scp in both modes (SFTP, the default, and the legacy scp
# protocol with -O): round trips compared by digest, ownership, recursion,
# preserved modes, errors.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP
H=$E2E_HOME

head -c 16M /dev/urandom >"$T/blob"
sum=$(e2e_sha256 "$T/blob")
mkdir -p "$T/tree/sub/deeper"
head -c 100000 /dev/urandom >"$T/tree/a.bin"
echo hello >"$T/tree/sub/b.txt"
head -c 3000000 /dev/urandom >"$T/tree/sub/deeper/c.bin"
chmod 640 "$T/tree/sub/b.txt"
tree_sums() { (cd "$1" && find . -type f | sort | xargs sha256sum); }

for mode in sftp legacy; do
	flag=""
	[ $mode = legacy ] && flag=-O
	e2e_capture e2e_scp $flag "$T/blob" "web-1:up-$mode.bin"
	e2e_is "$E2E_RC" 0 "scp${flag:+ $flag} upload of 16 MiB exits 0 ($mode protocol)"
	e2e_is "$(e2e_sha256 "$H/up-$mode.bin" 2>/dev/null)" "$sum" "scp upload arrives intact ($mode)"
	e2e_is "$(stat -c %u "$H/up-$mode.bin" 2>/dev/null)" "$E2E_UID" "scp upload is owned by the user ($mode)"

	e2e_capture e2e_scp $flag "web-1:up-$mode.bin" "$T/down-$mode.bin"
	e2e_is "$E2E_RC:$(e2e_sha256 "$T/down-$mode.bin" 2>/dev/null)" "0:$sum" "scp download arrives intact ($mode)"

	e2e_capture e2e_scp $flag -r -p "$T/tree" "web-1:tree-$mode"
	e2e_is "$E2E_RC" 0 "scp -r -p upload of a directory tree exits 0 ($mode)"
	e2e_is "$(tree_sums "$H/tree-$mode" 2>/dev/null)" "$(tree_sums "$T/tree")" "scp -r upload copies every file ($mode)"
	e2e_is "$(stat -c %a "$H/tree-$mode/sub/b.txt" 2>/dev/null)" 640 "scp -p keeps the mode ($mode)"

	e2e_capture e2e_scp $flag -r "web-1:tree-$mode" "$T/back-$mode"
	e2e_is "$(tree_sums "$T/back-$mode" 2>/dev/null)" "$(tree_sums "$T/tree")" "scp -r download copies every file ($mode)"

	e2e_capture e2e_scp $flag "web-1:no-such-file-$mode" "$T/nothing"
	e2e_ok "$([ "$E2E_RC" -ne 0 ] && [ ! -e "$T/nothing" ] && echo 0 || echo 1)" \
		"scp of a missing remote file fails ($mode, exit $E2E_RC)"
	e2e_like "$E2E_ERR" 'No such file' "and says so ($mode)"
done

cat >"$T/batch" <<B
pwd
mkdir sftpdir
put $T/blob sftpdir/blob
rename sftpdir/blob sftpdir/renamed
ls -l sftpdir
get sftpdir/renamed $T/sftp-back
chmod 600 sftpdir/renamed
B
e2e_capture e2e_sftp -b "$T/batch" web-1
e2e_is "$E2E_RC" 0 "an sftp batch (mkdir, put, rename, ls, get, chmod) succeeds"
e2e_like "$E2E_OUT" "Remote working directory: $H\$" "sftp starts in the user's home"
e2e_like "$E2E_OUT" "renamed" "sftp ls lists the renamed file"
e2e_is "$(e2e_sha256 "$T/sftp-back" 2>/dev/null)" "$sum" "sftp put+get round trip is intact"
e2e_is "$(stat -c '%u %a' "$H/sftpdir/renamed" 2>/dev/null)" "$E2E_UID 600" \
	"the sftp-server runs as the user (owner, chmod)"
e2e_is "$(stat -c %u "$H/sftpdir" 2>/dev/null)" "$E2E_UID" "sftp mkdir creates a directory owned by the user"

printf 'rm sftpdir/renamed\nrmdir sftpdir\n' >"$T/batch2"
e2e_capture e2e_sftp -b "$T/batch2" web-1
e2e_ok "$([ "$E2E_RC" -eq 0 ] && [ ! -e "$H/sftpdir" ] && echo 0 || echo 1)" "sftp rm and rmdir remove them"

# The subsystem has the user's rights, not root's.
echo "put $T/tree/sub/b.txt /etc/e2e-$E2E_ID" >"$T/batch3"
e2e_capture e2e_sftp -b "$T/batch3" web-1
e2e_ok "$([ "$E2E_RC" -ne 0 ] && [ ! -e "/etc/e2e-$E2E_ID" ] && echo 0 || echo 1)" \
	"sftp cannot write where the user cannot (/etc)"
e2e_like "$E2E_ERR" 'Permission denied' "and the client is told permission denied"

e2e_capture e2e_ssh -s web-1 no-such-subsystem
e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "an unknown subsystem is refused (exit $E2E_RC)"

e2e_done
