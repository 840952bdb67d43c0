"""``reelbot media-store migrate --to s3``: a local folder copied into a real S3 server, verified."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import obstore
import pytest
from typer.testing import CliRunner

from reelbot.cli import app
from reelbot.storage.media import MediaStore, asset_key, clip_key, thumbnail_key
from reelbot.storage.s3 import S3MediaStore
from tests.storage.s3server import ACCESS_KEY, SECRET_KEY, S3Server


@pytest.fixture
def env(s3_server: S3Server, tmp_path: Path) -> dict[str, str]:
    """What an operator exports to migrate: the usual data dir and the bucket's settings."""
    return {
        "REELBOT_DATA_DIR": str(tmp_path / "data"),
        "REELBOT_MEDIA_SECRET": "test-secret-0123456789abcdef",
        "REELBOT_MEDIA__S3__BUCKET": s3_server.create_bucket(),
        "REELBOT_MEDIA__S3__ENDPOINT": s3_server.endpoint,
        "REELBOT_MEDIA__S3__ACCESS_KEY_ID": ACCESS_KEY,
        "REELBOT_MEDIA__S3__SECRET_ACCESS_KEY": SECRET_KEY,
        "REELBOT_MEDIA__S3__ALLOW_HTTP": "true",
        "REELBOT_MEDIA__S3__RETRY_TIMEOUT_S": "30",
        "REELBOT_MEDIA__S3__MAX_BACKOFF_S": "0.2",
        "COLUMNS": "400",  # rich wraps long lines at the terminal width
    }


def fill(root: Path) -> dict[str, bytes]:
    """A local store as a deployment leaves it, plus the debris of an interrupted write."""
    store = MediaStore(root, "http://x", b"k" * 32, 60)
    clip_id = uuid.uuid4()
    png = b"\x89PNG" + bytes(range(256)) * 10
    objects = {
        clip_key(clip_id): bytes(range(256)) * 3000,
        thumbnail_key(clip_id): b"\xff\xd8jpeg" * 50,
        asset_key(hashlib.sha256(png).hexdigest(), "image/png"): png,
        f"storyboards/{uuid.uuid4()}/refs/{'b' * 64}.bin": b"ref",
    }
    for key, data in objects.items():
        store.put_bytes(key, data)
    (root / "clips" / f".{clip_id}.mp4.abc.tmp").write_bytes(b"half a clip")
    (root / ".DS_Store").write_bytes(b"not media")
    return objects


def bucket_of(env: dict[str, str], tmp_path: Path, s3_server: S3Server) -> S3MediaStore:
    settings = s3_server.settings(env["REELBOT_MEDIA__S3__BUCKET"])
    return S3MediaStore(settings, tmp_path / "check-cache", "http://x", b"k" * 32, 60)


def keys_in(bucket: S3MediaStore) -> set[str]:
    return {key for key, _ in bucket.iter_keys()}


def test_migrate_copies_and_verifies_every_object(
    env: dict[str, str], tmp_path: Path, s3_server: S3Server
) -> None:
    objects = fill(tmp_path / "data" / "media")
    result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3"], env=env)
    assert result.exit_code == 0, result.output
    assert "4 object(s) verified" in result.output and "4 copied" in result.output
    assert "1 stray file(s) skipped" in result.output
    bucket = bucket_of(env, tmp_path, s3_server)
    assert keys_in(bucket) == set(objects)  # no temp file, no stray file
    for key, data in objects.items():
        assert bucket.read_bytes(key) == data

    again = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3", "-q"], env=env)
    assert again.exit_code == 0 and "0 copied, 4 already there" in again.output


def test_a_wrong_object_in_the_bucket_is_replaced(
    env: dict[str, str], tmp_path: Path, s3_server: S3Server
) -> None:
    objects = fill(tmp_path / "data" / "media")
    bucket = bucket_of(env, tmp_path, s3_server)
    clip = next(key for key in objects if key.startswith("clips/"))
    obstore.put(bucket.store, clip, b"truncated")  # a half-done earlier copy by other means
    result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3"], env=env)
    assert result.exit_code == 0, result.output
    assert bucket.read_bytes(clip) == objects[clip]


def test_dry_run_uploads_nothing(env: dict[str, str], tmp_path: Path, s3_server: S3Server) -> None:
    fill(tmp_path / "data" / "media")
    result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3", "--dry-run"], env=env)
    assert result.exit_code == 0 and result.output.count("would copy") == 4
    assert keys_in(bucket_of(env, tmp_path, s3_server)) == set()


def test_no_bucket_configured_is_one_line_naming_the_variable(env: dict[str, str]) -> None:
    env = {**env, "REELBOT_MEDIA__S3__BUCKET": ""}
    result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3"], env=env)
    assert result.exit_code == 2 and "REELBOT_MEDIA__S3__BUCKET" in result.output


def test_store_down_fails_clearly_and_a_rerun_finishes(
    env: dict[str, str], tmp_path: Path, s3_server: S3Server
) -> None:
    objects = fill(tmp_path / "data" / "media")
    short = {**env, "REELBOT_MEDIA__S3__RETRY_TIMEOUT_S": "0.5", "REELBOT_MEDIA__S3__MAX_BACKOFF_S": "0.1"}
    s3_server.stop()
    try:
        result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3"], env=short)
    finally:
        s3_server.start()
    assert result.exit_code == 1 and "run the command again" in result.output
    result = CliRunner().invoke(app, ["media-store", "migrate", "--to", "s3", "-q"], env=env)
    assert result.exit_code == 0 and "4 object(s) verified" in result.output
    assert keys_in(bucket_of(env, tmp_path, s3_server)) == set(objects)


def test_the_media_server_command_is_still_reelbot_media() -> None:
    """The maintenance group must not shadow ``reelbot media`` (what every deployment runs)."""
    served = CliRunner().invoke(app, ["media", "--help"], env={"COLUMNS": "400"})
    assert served.exit_code == 0 and "--port" in served.output and "migrate" not in served.output
    group = CliRunner().invoke(app, ["media-store", "--help"], env={"COLUMNS": "400"})
    assert group.exit_code == 0 and "migrate" in group.output
