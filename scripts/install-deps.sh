#!/usr/bin/env bash
# Installs every build and test dependency of mipha on Debian 12 (root).
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
	build-essential meson ninja-build pkg-config clang
	libdpdk-dev dpdk libipsec-mb-dev libradcli-dev libcriterion-dev nettle-dev
	libpcap-dev libnuma-dev libbsd-dev libjansson-dev
	freeradius freeradius-utils freeradius-ldap slapd ldap-utils openssl
	tshark python3 python3-scapy python3-pyelftools jq
	iproute2 iputils-ping procps psmisc util-linux valgrind ethtool libssl-dev gnuplot-nox
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts the freeradius and slapd services on install; this project runs
# private instances, so the system ones are stopped where a service manager exists.
for svc in freeradius slapd; do
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
		systemctl stop "$svc" || true
	fi
done
