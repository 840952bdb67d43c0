"""A real Redis primary, a replica and a Sentinel, each its own ``redis-server`` process.

There is no ``redis-sentinel`` binary on Debian's redis-server 7.0 package; ``redis-server
sentinel.conf --sentinel`` is the same program in Sentinel mode. Ports are free ones on
loopback, data in the test's own folder, nothing persisted (``save ""``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

SERVICE = "reelbot-test"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: object, what: str, timeout_s: float = 60.0) -> None:
    """Poll ``predicate`` until true; the timeout only turns a hang into a clear failure."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class RedisNodes:
    """Primary + replica + one Sentinel (quorum 1) watching them as :data:`SERVICE`."""

    root: Path
    primary_port: int = field(default_factory=free_port)
    replica_port: int = field(default_factory=free_port)
    sentinel_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{SERVICE}/0"

    def _spawn(self, name: str, *args: str) -> None:
        workdir = self.root / name
        workdir.mkdir(parents=True, exist_ok=True)
        log = open(workdir / "log", "wb")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(
            [REDIS_SERVER, *args], cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        self._spawn("primary", "--port", str(self.primary_port), *common)
        wait_until(lambda: client(self.primary_port).ping(), "the primary")
        self._spawn(
            "replica",
            "--port",
            str(self.replica_port),
            *common,
            "--replicaof",
            "127.0.0.1",
            str(self.primary_port),
        )
        wait_until(lambda: self.replica_in_sync(), "the replica to sync")
        conf = self.root / "sentinel" / "sentinel.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary_port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 10000\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        self._spawn("sentinel", str(conf), "--sentinel")
        wait_until(lambda: self.sentinel_primary_port() == self.primary_port, "the sentinel")
        wait_until(lambda: self.sentinel_knows_replica(), "the sentinel to find the replica")

    def replica_in_sync(self) -> bool:
        info = client(self.replica_port).info("replication")
        return info.get("master_link_status") == "up"

    def sentinel_primary_port(self) -> int | None:
        reply = client(self.sentinel_port).execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)
        return int(reply[1]) if reply else None

    def sentinel_knows_replica(self) -> bool:
        replicas = client(self.sentinel_port).execute_command("SENTINEL", "replicas", SERVICE)
        return bool(replicas)

    def kill_primary(self) -> None:
        proc = self.procs.pop("primary")
        proc.kill()
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.kill()
        for proc in self.procs.values():
            proc.wait(timeout=30)
        self.procs.clear()


def client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=2)
