#!/usr/bin/env bash
# Make sure a Redis answers on REELBOT_REDIS_URL (default 127.0.0.1:6379); start one if not.
# A Redis started here keeps its data: AOF with appendfsync everysec (at most ~1 s of writes
# lost on a crash) plus RDB snapshots, in REELBOT_DATA_DIR (default ./data). docs/queue.md says
# what the queue promises under each Redis setting.
set -euo pipefail
url="${REELBOT_REDIS_URL:-redis://127.0.0.1:6379/0}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$host" ] && port=6379

ping() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

if ping; then echo "redis: answering on $host:$port"; exit 0; fi
if ! command -v redis-server >/dev/null; then
  echo "redis: nothing answers on $host:$port and redis-server is not installed (apt-get install redis-server)" >&2
  exit 1
fi
echo "redis: starting redis-server on $host:$port"
data="${REELBOT_DATA_DIR:-$PWD/data}"
mkdir -p "$data"; data="$(cd "$data" && pwd)"
redis-server --daemonize yes --bind "$host" --port "$port" --dir "$data" --logfile "$data/redis.log" \
  --appendonly yes --appendfsync everysec --appendfilename appendonly.aof --save "900 1 300 10 60 10000"
for _ in $(seq 50); do ping && { echo "redis: up"; exit 0; }; sleep 0.1; done
echo "redis: did not come up, see $data/redis.log" >&2; exit 1
