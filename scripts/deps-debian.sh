#!/bin/sh
# Install every Debian 12 package meshssh needs to build, test and benchmark.
# Idempotent: apt-get install of an installed package is a no-op.
set -eu
PKGS="
build-essential autoconf automake libtool pkg-config git
clang clang-format libclang-rt-14-dev mandoc
libssh-dev libsodium-dev libb2-dev libpam0g-dev libcurl4-openssl-dev
libjansson-dev libcjose-dev libjwt-dev
openssh-client openssh-server openssh-sftp-server python3 python3-paramiko
wireguard-go wireguard-tools iproute2 iputils-ping iperf3 hyperfine procps psmisc
pamtester libnss-wrapper libpam-wrapper libnss-cache
asciinema rsyslog rsyslog-gnutls gnutls-bin curl
glewlwyd
sudo
"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "deps: all Debian packages present" >&2
