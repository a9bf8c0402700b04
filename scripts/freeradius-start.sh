#!/bin/sh
# Starts a private FreeRADIUS instance for mipha (tests, e2e, benchmarks).
#
#   freeradius-start.sh DIR PORT [--secret-file F] [--users F] [--listen ADDR]
#                       [--client ADDR]... [--watch PID]
#                       [--ldap URI [--ldap-password-file F] [--ldap-base DN]
#                        [--ldap-identity DN]]
#                       [--tls CERTDIR [--tls-port P] [--tls-secret-file F]]
#
# DIR is created (or reused) and gets radiusd.conf (from config/freeradius),
# clients.conf (mode 0600, the secret), users, log/radius.log and run/.
# Without --secret-file a random 128-bit secret is written to DIR/ha.secret.
# --client ADDR (repeatable) lists the HA's addresses (default 127.0.0.1).
# --watch PID stops the server when process PID ends (a test that crashes
# leaves nothing running). Prints the server's pid once it answers a
# Status-Server (bounded to ~5 s); exits non-zero, with the log's tail on
# stderr, when it does not. The secret is never printed.
# --ldap URI: users not in the users file are looked up in that directory
# (uid = NAI less DOMAIN\, NT hash in sambaNTPassword; config/freeradius/
# ldap.conf.in), binding as --ldap-identity (default
# cn=freeradius,ou=services,dc=example,dc=net) with the password in
# --ldap-password-file (as scripts/slapd-start.sh writes it), or anonymously
# without one. --ldap-base defaults to dc=example,dc=net. The directory must
# answer when the server starts (it opens a connection then).
# --tls CERTDIR adds a RADIUS over TLS listener (RFC 6614) on ADDR port P
# (default 2083), with CERTDIR/server.pem, server.key and ca.pem (the CA the
# HA's client certificate must chain to; scripts/radsec-certs.sh writes a
# test set). The --client addresses may use it with secret "radsec" (or the
# one in --tls-secret-file) and must present a certificate.
set -eu

usage() {
	echo "usage: $0 DIR PORT [--secret-file F] [--users F] [--listen ADDR] [--client ADDR]... [--watch PID]" \
		"[--ldap URI [--ldap-password-file F] [--ldap-base DN] [--ldap-identity DN]]" \
		"[--tls CERTDIR [--tls-port P] [--tls-secret-file F]]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
dir=$1
port=$2
shift 2
secret_file=
users_extra=
listen=127.0.0.1
clients=
watch=
ldap_uri=
ldap_pwfile=
ldap_base=dc=example,dc=net
ldap_identity=cn=freeradius,ou=services,dc=example,dc=net
tls_dir=
tls_port=2083
tls_secret_file=
while [ $# -gt 0 ]; do
	case $1 in
	--secret-file) [ $# -ge 2 ] || usage; secret_file=$2; shift 2 ;;
	--users) [ $# -ge 2 ] || usage; users_extra=$2; shift 2 ;;
	--listen) [ $# -ge 2 ] || usage; listen=$2; shift 2 ;;
	--client) [ $# -ge 2 ] || usage; clients="$clients $2"; shift 2 ;;
	--watch) [ $# -ge 2 ] || usage; watch=$2; shift 2 ;;
	--ldap) [ $# -ge 2 ] || usage; ldap_uri=$2; shift 2 ;;
	--ldap-password-file) [ $# -ge 2 ] || usage; ldap_pwfile=$2; shift 2 ;;
	--ldap-base) [ $# -ge 2 ] || usage; ldap_base=$2; shift 2 ;;
	--ldap-identity) [ $# -ge 2 ] || usage; ldap_identity=$2; shift 2 ;;
	--tls) [ $# -ge 2 ] || usage; tls_dir=$2; shift 2 ;;
	--tls-port) [ $# -ge 2 ] || usage; tls_port=$2; shift 2 ;;
	--tls-secret-file) [ $# -ge 2 ] || usage; tls_secret_file=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$clients" ] || clients=127.0.0.1
case $port in ''|*[!0-9]*) echo "$0: bad port '$port'" >&2; exit 2 ;; esac
case $tls_port in ''|*[!0-9]*) echo "$0: bad TLS port '$tls_port'" >&2; exit 2 ;; esac
if [ -n "$tls_dir" ]; then
	for f in server.pem server.key ca.pem; do
		[ -r "$tls_dir/$f" ] || { echo "$0: $tls_dir/$f not readable" >&2; exit 2; }
	done
	tls_dir=$(cd "$tls_dir" && pwd)
	case $tls_dir in *[!A-Za-z0-9./_-]*)
		echo "$0: '$tls_dir': only A-Z a-z 0-9 . / _ - allowed" >&2; exit 2 ;;
	esac
fi
if [ -z "$ldap_uri" ] && [ -n "$ldap_pwfile" ]; then
	echo "$0: --ldap-password-file without --ldap" >&2
	exit 2
fi
# These land in single-quoted FreeRADIUS strings and sed replacements: only
# what needs no escaping in either.
for v in "$ldap_uri" "$ldap_base" "$ldap_identity"; do
	case $v in *[!A-Za-z0-9.:/_%=,@\[\]-]*)
		echo "$0: '$v': only A-Z a-z 0-9 . : / _ % = , @ [ ] - allowed" >&2; exit 2 ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
conf=$here/../config/freeradius
radiusd=${FREERADIUS:-/usr/sbin/freeradius}

umask 077
mkdir -p "$dir/log" "$dir/run"
dir=$(cd "$dir" && pwd)

if [ -z "$secret_file" ]; then
	secret_file=$dir/ha.secret
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$secret_file"
fi
# The secret goes into a quoted FreeRADIUS string: refuse what would need
# escaping rather than escape it wrongly.
secret=$(cat "$secret_file")
case $secret in
''|*'"'*|*'\'*) echo "$0: secret in $secret_file is empty or contains \" or \\" >&2; exit 2 ;;
esac
# The HA reads the file less one trailing newline (aaa_secret_load): the
# same bytes must land here, so refuse what the two would read differently.
slen=$(printf '%s' "$secret" | wc -c)
flen=$(wc -c <"$secret_file")
cr=$(printf '\r')
case $secret in *"$cr"*) slen=-1 ;; esac
if [ "$(printf '%s' "$secret" | wc -l)" -ne 0 ] || [ "$slen" -lt 0 ] ||
	{ [ "$flen" -ne "$slen" ] && [ "$flen" -ne $((slen + 1)) ]; }; then
	echo "$0: secret in $secret_file spans lines or ends in CR or blank lines" >&2
	exit 2
fi
# radclient -S reads the secret from a file; keep a private copy for it.
printf '%s\n' "$secret" >"$dir/radclient.secret"

if [ -n "$ldap_uri" ]; then
	variant='s|^#@LDAP@||'
else
	variant='/^#@LDAP@/d'
fi
if [ -n "$tls_dir" ]; then
	tls_variant='s|^#@TLS@||'
else
	tls_variant='/^#@TLS@/d'
fi
sed -e "$variant" -e "$tls_variant" -e "s|@TLS_DIR@|$tls_dir|g" -e "s|@TLS_PORT@|$tls_port|g" -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@LISTEN@|$listen|g" \
	"$conf/radiusd.conf.in" >"$dir/radiusd.conf"
if [ -n "$ldap_uri" ]; then
	ldap_password=
	if [ -n "$ldap_pwfile" ]; then
		ldap_password=$(cat "$ldap_pwfile")
		case $ldap_password in
		''|*'"'*|*'\'*|*'$'*|*"$(printf '\r')"*)
			echo "$0: password in $ldap_pwfile is empty or contains \", \\, $ or CR" >&2; exit 2 ;;
		esac
		if [ "$(printf '%s' "$ldap_password" | wc -l)" -ne 0 ]; then
			echo "$0: password in $ldap_pwfile spans lines" >&2
			exit 2
		fi
	fi
	# The password is written by the shell's own printf, never on a
	# command line; anonymous (no identity, no password) without a file.
	sed -e "s|@LDAP_URI@|$ldap_uri|g" -e "s|@LDAP_BASE@|$ldap_base|g" \
		-e "s|@LDAP_IDENTITY@|$ldap_identity|g" "$conf/ldap.conf.in" |
	while IFS= read -r line; do
		case $line in
		"	@LDAP_PASSWORD@")
			[ -z "$ldap_password" ] || printf '\tpassword = "%s"\n' "$ldap_password" ;;
		"	identity = "*)
			[ -z "$ldap_password" ] || printf '%s\n' "$line" ;;
		*)
			printf '%s\n' "$line" ;;
		esac
	done >"$dir/ldap.conf"
	unset ldap_password
else
	rm -f "$dir/ldap.conf"
fi
{
	echo "# Generated by freeradius-start.sh: the HA's addresses and secret."
	n=0
	for c in $clients; do
		echo "client ha$n {"
		echo "	ipaddr = $c"
		echo "	secret = \"$secret\""
		echo "	require_message_authenticator = yes"
		echo "	shortname = mipha$n"
		echo "}"
		n=$((n + 1))
	done
} >"$dir/clients.conf"
unset secret
if [ -n "$tls_dir" ]; then
	tls_secret=radsec
	if [ -n "$tls_secret_file" ]; then
		tls_secret=$(cat "$tls_secret_file")
		case $tls_secret in
		''|*'"'*|*'\'*|*"$cr"*) echo "$0: secret in $tls_secret_file is empty or contains \", \\ or CR" >&2; exit 2 ;;
		esac
	fi
	{
		echo "# Generated by freeradius-start.sh: the HA over TLS (RFC 6614)."
		echo "clients radsec {"
		n=0
		for c in $clients; do
			echo "	client hatls$n {"
			echo "		ipaddr = $c"
			echo "		proto = tls"
			echo "		secret = \"$tls_secret\""
			echo "		require_message_authenticator = yes"
			echo "		shortname = mipha-tls$n"
			echo "	}"
			n=$((n + 1))
		done
		echo "}"
	} >"$dir/clients-tls.conf"
	unset tls_secret
else
	rm -f "$dir/clients-tls.conf"
fi
cat "$conf/users" >"$dir/users"
if [ -n "$users_extra" ]; then
	cat "$users_extra" >>"$dir/users"
fi
: >"$dir/users.acct"
: >"$dir/users.preproxy"

log=$dir/log/radius.log
# A fresh log: readiness is read from it (a restart keeps the last one as .old).
if [ -f "$log" ]; then
	mv -f "$log" "$log.old"
fi
"$radiusd" -d "$dir" -f -l "$log" </dev/null >>"$dir/log/stdout.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/server.pid"

if [ -n "$watch" ]; then
	# A restart in the same DIR replaces the previous watcher.
	if [ -f "$dir/watch.pid" ]; then
		kill -TERM "$(cat "$dir/watch.pid")" 2>/dev/null || true
	fi
	(
		tail --pid="$watch" -s 0.2 -f /dev/null &
		echo "$!" >"$dir/watch.pid"
		wait "$!"
		# Only if that pid is still this instance (not stopped, not reused).
		if grep -qF -- "$dir" "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	) </dev/null >/dev/null 2>&1 &
fi

# Ready when this instance says so in its own log (another server on the
# port would answer too) and a Status-Server (with Message-Authenticator, as
# the HA sends it) is answered; 50 tries of at most 0.1 s.
i=0
while [ $i -lt 50 ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "$0: freeradius exited; end of $log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	if grep -qs "Ready to process requests" "$log" &&
		echo "Message-Authenticator = 0x00" | radclient -q -t 0.1 -r 1 \
		-S "$dir/radclient.secret" "$listen:$port" status >/dev/null 2>&1 &&
		kill -0 "$pid" 2>/dev/null; then
		echo "$pid"
		exit 0
	fi
	i=$((i + 1))
	sleep 0.05
done
echo "$0: freeradius (pid $pid) did not answer on $listen:$port; end of $log:" >&2
tail -n 20 "$log" >&2
kill -TERM "$pid" 2>/dev/null || true
exit 1
