#!/bin/sh
# Starts a private OpenLDAP slapd for mipha: the password store behind
# FreeRADIUS's ldap module (tests, e2e, benchmarks).
#
#   slapd-start.sh DIR PORT [--listen ADDR] [--users F]... [--ldif F]...
#                  [--no-test-users] [--watch PID]
#
# DIR is created (or reused) and gets slapd.conf (from config/openldap), the
# database (db/, rebuilt on every start), freeradius.password (mode 0600, the
# random password of cn=freeradius,ou=services,dc=example,dc=net, the only
# account that may read sambaNTPassword; kept across restarts so a running
# FreeRADIUS keeps working), log/slapd.log and run/.
# Users: config/openldap/users (unless --no-test-users) and each --users F
# ("NAI<TAB>password" lines; "!NAI<TAB>password" for a disabled account,
# sambaAcctFlags D): the NT hash is computed here, only it is stored.
# --ldif F adds entries as they are (a deployment's precomputed hashes).
# Listens on ldap://ADDR:PORT/ (default 127.0.0.1). --watch PID stops slapd
# when process PID ends. Prints slapd's pid once the service account can
# bind (bounded to ~5 s); exits non-zero with the log's tail when it cannot.
# No password or hash is printed.
set -eu

usage() {
	echo "usage: $0 DIR PORT [--listen ADDR] [--users F]... [--ldif F]... [--no-test-users] [--watch PID]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
dir=$1
port=$2
shift 2
listen=127.0.0.1
users_files=
ldif_files=
test_users=yes
watch=
while [ $# -gt 0 ]; do
	case $1 in
	--listen) [ $# -ge 2 ] || usage; listen=$2; shift 2 ;;
	--users) [ $# -ge 2 ] || usage; users_files="$users_files $2"; shift 2 ;;
	--ldif) [ $# -ge 2 ] || usage; ldif_files="$ldif_files $2"; shift 2 ;;
	--no-test-users) test_users=no; shift ;;
	--watch) [ $# -ge 2 ] || usage; watch=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $port in ''|*[!0-9]*) echo "$0: bad port '$port'" >&2; exit 2 ;; esac
for f in $users_files $ldif_files; do
	[ -r "$f" ] || { echo "$0: cannot read $f" >&2; exit 2; }
done

here=$(cd "$(dirname "$0")" && pwd)
conf=$(cd "$here/../config/openldap" && pwd)
slapd=${SLAPD:-/usr/sbin/slapd}
suffix=dc=example,dc=net
reader=cn=freeradius,ou=services,$suffix
uri=ldap://$listen:$port/

umask 077
mkdir -p "$dir/log" "$dir/run"
dir=$(cd "$dir" && pwd)
log=$dir/log/slapd.log

# A previous instance in DIR still running would hold the database.
if [ -f "$dir/server.pid" ] && grep -qF -- "$dir" "/proc/$(cat "$dir/server.pid")/cmdline" 2>/dev/null; then
	echo "$0: slapd already running in $dir (pid $(cat "$dir/server.pid"))" >&2
	exit 1
fi

# The service account's password: no trailing newline (ldapwhoami -y and
# slappasswd -T read the whole file).
pwfile=$dir/freeradius.password
if [ ! -s "$pwfile" ]; then
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$pwfile"
fi
reader_hash=$(slappasswd -h '{SSHA}' -T "$pwfile")

sed -e "s|@DIR@|$dir|g" -e "s|@CONF@|$conf|g" -e "s|@SUFFIX@|$suffix|g" \
	-e "s|@READER@|$reader|g" "$conf/slapd.conf.in" >"$dir/slapd.conf"

# NtPasswordHash (RFC 2759 8.3): MD4 over the UTF-16LE password, by
# OpenSSL's legacy provider (MD4 is not in its default one). The password
# goes through printf (a builtin) and pipes, never a command line.
nt_hash() {
	if ! printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE >/dev/null 2>&1; then
		echo "$0: a password in $2 is not valid UTF-8" >&2
		return 1
	fi
	h=$(printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE |
		openssl dgst -md4 -provider legacy -provider default -r 2>/dev/null | cut -d' ' -f1 |
		tr a-f A-F)
	case $h in
	[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]) ;;
	*) echo "$0: MD4 failed (openssl's legacy provider?)" >&2; return 1 ;;
	esac
	printf '%s' "$h"
}

# One entry per "NAI<TAB>password" line; # comments and blank lines skipped.
n=0
user_entries() {
	tab=$(printf '\t')
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in ''|'#'*) continue ;; esac
		case $line in *"$tab"*) ;; *) echo "$0: $1: no TAB in a user line" >&2; return 1 ;; esac
		nai=${line%%"$tab"*}
		pw=${line#*"$tab"}
		# "!NAI": a disabled account (sambaAcctFlags D: FreeRADIUS's mschap refuses it).
		flags='[U          ]'
		case $nai in '!'*) nai=${nai#!}; flags='[DU         ]' ;; esac
		# The NAI becomes a DN and a filter value: only what needs no escaping.
		case $nai in
		''|*[!A-Za-z0-9._@-]*) echo "$0: $1: NAI '$nai' has characters other than A-Z a-z 0-9 . _ @ -" >&2; return 1 ;;
		esac
		[ -n "$pw" ] || { echo "$0: $1: empty password for $nai" >&2; return 1; }
		hash=$(nt_hash "$pw" "$1") || return 1
		n=$((n + 1))
		printf 'dn: uid=%s,ou=users,%s\n' "$nai" "$suffix"
		printf 'objectClass: account\nobjectClass: sambaSamAccount\n'
		printf 'uid: %s\nsambaSID: S-1-5-21-1-2-3-%d\n' "$nai" $((1000 + n))
		printf 'sambaAcctFlags: %s\nsambaNTPassword: %s\n\n' "$flags" "$hash"
	done <"$1"
	unset pw hash line
}

# The whole directory, loaded offline (slapadd) into a fresh database: no
# administrator account is needed, and the directory is read-only at run time.
rm -rf "$dir/db"
mkdir -p "$dir/db"
load=$dir/load.ldif
trap 'rm -f "$load"' EXIT
sed -e "s|@SUFFIX@|$suffix|g" -e "s|@READER_PW@|$reader_hash|g" "$conf/base.ldif.in" >"$load"
echo >>"$load"
if [ "$test_users" = yes ]; then
	user_entries "$conf/users" >>"$load"
fi
for f in $users_files; do
	user_entries "$f" >>"$load"
done
for f in $ldif_files; do
	cat "$f" >>"$load"
	echo >>"$load"
done
if ! slapadd -q -f "$dir/slapd.conf" -l "$load" >"$dir/log/slapadd.log" 2>&1; then
	echo "$0: slapadd failed; end of $dir/log/slapadd.log:" >&2
	tail -n 20 "$dir/log/slapadd.log" >&2
	exit 1
fi
rm -f "$load"

# A fresh log each start (the last one kept as .old).
if [ -f "$log" ]; then
	mv -f "$log" "$log.old"
fi
# -d 0: stay in the foreground (the pid is ours to stop) and log nothing.
"$slapd" -d 0 -h "$uri" -f "$dir/slapd.conf" </dev/null >>"$log" 2>&1 &
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

# Ready when the service account binds with this instance's password (another
# server on the port cannot). Each try is bounded (a peer that accepts but
# never answers), and so is the whole wait: ~5 s.
end=$(($(date +%s) + 5))
i=0
while [ $i -lt 50 ] && [ "$(date +%s)" -le "$end" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		# slapd -d 0 says nothing, not even why: give the likely cause.
		echo "$0: slapd exited (is $uri in use? details: $slapd -d 1 -h $uri -f $dir/slapd.conf); end of $log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	if timeout 1 ldapwhoami -x -o nettimeout=1 -H "$uri" -D "$reader" -y "$pwfile" >/dev/null 2>&1 &&
		kill -0 "$pid" 2>/dev/null; then
		echo "$pid"
		exit 0
	fi
	i=$((i + 1))
	sleep 0.1
done
echo "$0: slapd (pid $pid) did not answer on $uri; end of $log:" >&2
tail -n 20 "$log" >&2
kill -TERM "$pid" 2>/dev/null || true
exit 1
