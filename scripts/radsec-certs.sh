#!/bin/sh
# Writes a throwaway PKI for RADIUS over TLS (RFC 6614) tests into DIR:
#
#   radsec-certs.sh DIR [--name DNSNAME] [--ip ADDR] [--days N] [--intermediate]
#
#   ca.pem ca.key           a self-signed CA ("mipha test radsec CA <random>")
#   server.pem server.key   FreeRADIUS's certificate: CN and DNS SAN DNSNAME
#                           (default radius.example.net), IP SAN ADDR
#                           (default 127.0.0.1), serverAuth
#   client.pem client.key   the HA's certificate (CN mipha-ha), clientAuth
#   crl.pem                 the CA's CRL, nothing revoked
#   crl-revoked.pem         the CA's CRL revoking server.pem
#
# --intermediate: the CA signs an intermediate CA (inter.pem inter.key), which
# signs server and client; server.pem and client.pem hold the certificate and
# then inter.pem (the chain a peer sends). The CRL files then hold the CA's
# CRL and the intermediate's: crl.pem (nothing revoked), crl-revoked.pem
# (the intermediate's revokes server.pem), crl-inter-revoked.pem (the CA's
# revokes inter.pem), and crl-inter-only.pem (the intermediate's alone, the
# CA's missing).
#
# EC P-256 keys, mode 0600, never printed. Each run makes a new CA, so two
# runs give two CAs that do not trust each other (the wrong-CA tests). For
# tests and demonstrations only: a deployment's certificates come from its
# own PKI. Exits non-zero with openssl's message on failure.
set -eu

usage() {
	echo "usage: $0 DIR [--name DNSNAME] [--ip ADDR] [--days N] [--intermediate]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
dir=$1
shift
name=radius.example.net
ip=127.0.0.1
days=2
inter=0
while [ $# -gt 0 ]; do
	case $1 in
	--intermediate) inter=1; shift ;;
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

# $1 name, $2 subject CN, $3 extensions file, $4 the signing CA's file name (no .pem/.key)
signed() {
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/O=mipha test/CN=$2" >/dev/null
	openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial \
		-out "$1.pem" -days "$days" -sha256 -extfile "$3" 2>/dev/null
	rm -f "$1.csr"
}

signer=ca
if [ "$inter" = 1 ]; then
	cat >inter.ext <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
EOF
	signed inter "mipha test radsec intermediate CA $tag" inter.ext ca
	rm -f inter.ext
	signer=inter
fi
leaf() {
	signed "$1" "$2" "$3" "$signer"
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
# crls NAME CA KEY REVOKED: NAME-crl.pem (nothing revoked), then
# NAME-crl-revoked.pem (REVOKED's certificate revoked), from one database.
crls() {
	cat >ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
crlnumber = crlnumber
certificate = $2
private_key = $3
default_md = sha256
default_crl_days = $days
EOF
	: >index.txt
	echo 01 >crlnumber
	openssl ca -config ca.cnf -gencrl -out "$1-crl.pem" 2>/dev/null
	openssl ca -config ca.cnf -revoke "$4" -crl_reason keyCompromise 2>/dev/null
	openssl ca -config ca.cnf -gencrl -out "$1-crl-revoked.pem" 2>/dev/null
	rm -f ca.cnf index.txt* crlnumber*
}
if [ "$inter" = 1 ]; then
	crls inter inter.pem inter.key server.pem
	crls ca ca.pem ca.key inter.pem
	cat ca-crl.pem inter-crl.pem >crl.pem
	cat ca-crl.pem inter-crl-revoked.pem >crl-revoked.pem
	cat ca-crl-revoked.pem inter-crl.pem >crl-inter-revoked.pem
	cp inter-crl.pem crl-inter-only.pem
	rm -f ca-crl*.pem inter-crl*.pem inter.srl
	cat inter.pem >>server.pem
	cat inter.pem >>client.pem
else
	crls ca ca.pem ca.key server.pem
	mv ca-crl.pem crl.pem
	mv ca-crl-revoked.pem crl-revoked.pem
fi
chmod 600 ./*.key
# FreeRADIUS drops no privileges here (root); the certificates are public.
chmod 644 ./*.pem
