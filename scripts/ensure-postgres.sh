#!/usr/bin/env bash
# Make sure the PostgreSQL used by the tests answers (REELBOT_TEST_POSTGRES_URL, default
# 127.0.0.1:5432); start the machine's cluster if it is installed but stopped.
set -euo pipefail
url="${REELBOT_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$host" ] && port=5432

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if answers; then echo "postgres: answering on $host:$port"; exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "postgres: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 50); do answers && { echo "postgres: up"; exit 0; }; sleep 0.2; done
fi
echo "postgres: nothing answers on $host:$port; install PostgreSQL or set REELBOT_TEST_POSTGRES_URL" >&2
exit 1
