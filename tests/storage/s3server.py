"""A real S3-compatible HTTP server for tests: moto's standalone server on a free port.

reelbot's client (obstore) is pointed at ``http://127.0.0.1:<port>`` like at any MinIO; it
does not know it is a test server. :meth:`S3Server.stop` / :meth:`S3Server.start` take the
endpoint down and bring it back on the same port with its objects kept (the server's state
lives in this process), which is how the outage tests stop the object store mid-operation.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from reelbot.domain.media_settings import S3Settings

ACCESS_KEY = "reelbot-test-access"
SECRET_KEY = "reelbot-test-secret-key-0123456789"
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class S3Server:
    """One moto server; restartable on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._server is None:
                self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
                self._server.start()

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None

    def create_bucket(self) -> str:
        name = f"reelbot-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )
        client.create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, **overrides: object) -> S3Settings:
        """What an operator would put in ``REELBOT_MEDIA__S3__*`` for this endpoint."""
        values: dict[str, object] = {
            "bucket": bucket,
            "endpoint": self.endpoint,
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            "allow_http": True,
            "retry_timeout_s": 60.0,
            "max_backoff_s": 0.5,
        }
        values.update(overrides)
        return S3Settings.model_validate(values)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()
