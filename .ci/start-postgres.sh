#!/bin/sh
# Starts a throwaway PostgreSQL cluster for the sqlstore tests (trust auth, 127.0.0.1:5432) and
# prints the variable that points the tests at it. Idempotent: a second run finds it running.
# Everything else goes to stderr, so stdout is exactly one NAME=value line:
#
#   export "$(.ci/start-postgres.sh)"            # a shell
#   .ci/start-postgres.sh >> "$GITHUB_ENV"       # GitHub Actions
set -eu

# A port and directory of our own, so that a system cluster on 5432 (with password auth) never
# answers in its place.
PGDATA_DIR=${PGDATA_DIR:-/tmp/connectdir-pgdata}
PGPORT=${PGPORT:-54329}
URL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"

find_bin() {
	# Newest installed major version first.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

ready() {
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h 127.0.0.1 -p "$PGPORT"
	elif BIN=$(find_bin); then
		"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
	else
		return 1
	fi
}

if ready; then
	echo "postgres already listening on 127.0.0.1:$PGPORT" >&2
	echo "CONNECTDIR_TEST_POSTGRES=$URL"
	exit 0
fi

if ! BIN=$(find_bin); then
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	$SUDO apt-get update >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql >&2
	BIN=$(find_bin)
	# Debian's package may start its own cluster on the port, with password auth over TCP: stop it.
	if ready && command -v pg_lsclusters >/dev/null 2>&1; then
		pg_lsclusters -h | while read -r ver name port _; do
			if [ "$port" = "$PGPORT" ]; then
				$SUDO pg_ctlcluster "$ver" "$name" stop >&2 || true
			fi
		done
	fi
fi

# The server refuses to run as root: run it as the postgres user then.
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || useradd -m postgres
	as_pg() { su postgres -s /bin/sh -c "$*"; }
else
	as_pg() { sh -c "$*"; }
fi

mkdir -p "$PGDATA_DIR"
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$PGDATA_DIR"
fi
chmod 700 "$PGDATA_DIR"
if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
	as_pg "'$BIN/initdb' -D '$PGDATA_DIR' -A trust -U postgres" >&2
fi
as_pg "'$BIN/pg_ctl' -D '$PGDATA_DIR' -o \"-k /tmp -p $PGPORT -c listen_addresses=127.0.0.1\" -l '$PGDATA_DIR.log' start" >&2 || true

i=0
until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; do
	i=$((i + 1))
	if [ "$i" -ge 60 ]; then
		echo "postgres did not become ready; log:" >&2
		cat "$PGDATA_DIR.log" >&2 || true
		exit 1
	fi
	sleep 1
done
echo "CONNECTDIR_TEST_POSTGRES=$URL"
