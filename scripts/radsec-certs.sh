#!/bin/sh
# Writes a throwaway PKI for RADIUS over TLS (RFC 6614) tests into DIR:
#
#   radsec-certs.sh DIR [--name DNSNAME] [--ip ADDR] [--days N]
#
#   ca.pem ca.key           a self-signed CA ("mipha test radsec CA <random>")
#   server.pem server.key   FreeRADIUS's certificate: CN and DNS SAN DNSNAME
#                           (default radius.example.net), IP SAN ADDR
#                           (default 127.0.0.1), serverAuth
#   client.pem client.key   the HA's certificate (CN mipha-ha), clientAuth
#   crl.pem                 the CA's CRL, nothing revoked
#   crl-revoked.pem         the CA's CRL revoking server.pem
#
# EC P-256 keys, mode 0600, never printed. Each run makes a new CA, so two
# runs give two CAs that do not trust each other (the wrong-CA tests). For
# tests and demonstrations only: a deployment's certificates come from its
# own PKI. Exits non-zero with openssl's message on failure.
set -eu

usage() {
	echo "usage: $0 DIR [--name DNSNAME] [--ip ADDR] [--days N]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
dir=$1
shift
name=radius.example.net
ip=127.0.0.1
days=2
while [ $# -gt 0 ]; do
	case $1 in
	--name) [ $# -ge 2 ] || usage; name=$2; shift 2 ;;
	--ip) [ $# -ge 2 ] || usage; ip=$2; shift 2 ;;
	--days) [ $# -ge 2 ] || usage; days=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $name in ''|*[!A-Za-z0-9.-]*) echo "$0: bad name '$name'" >&2; exit 2 ;; esac
case $ip in ''|*[!0-9a-fA-F.:]*) echo "$0: bad address '$ip'" >&2; exit 2 ;; esac
case $days in ''|*[!0-9]*) echo "$0: bad days '$days'" >&2; exit 2 ;; esac

umask 077
mkdir -p "$dir"
cd "$dir"
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

key ca.key
openssl req -new -x509 -key ca.key -out ca.pem -days "$days" -sha256 \
	-subj "/O=mipha test/CN=mipha test radsec CA $tag" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null

# $1 name, $2 subject CN, $3 extensions file
leaf() {
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/O=mipha test/CN=$2" >/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out "$1.pem" -days "$days" -sha256 -extfile "$3" 2>/dev/null
	rm -f "$1.csr"
}

cat >server.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=serverAuth
subjectAltName=DNS:$name,IP:$ip
EOF
cat >client.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=clientAuth
EOF
leaf server "$name" server.ext
leaf client mipha-ha client.ext
rm -f server.ext client.ext ca.srl

# CRLs: `openssl ca` keeps its state in a small database (removed after).
cat >ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
crlnumber = crlnumber
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_crl_days = $days
EOF
: >index.txt
echo 01 >crlnumber
openssl ca -config ca.cnf -gencrl -out crl.pem 2>/dev/null
openssl ca -config ca.cnf -revoke server.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -gencrl -out crl-revoked.pem 2>/dev/null
rm -f ca.cnf index.txt* crlnumber*
chmod 600 ./*.key
# FreeRADIUS drops no privileges here (root); the certificates are public.
chmod 644 ./*.pem
