"""Where media lives: the local folder (default) or an S3-compatible bucket.

``Settings.media`` (``REELBOT_MEDIA__*``). With ``backend="s3"`` every process reads and writes
the same bucket, so bots, workers and media servers on different machines share no disk.
``delivery`` says what a platform is handed: ``server`` (the media server's own signed URL;
it streams from the bucket) or ``presigned`` (an S3 presigned URL; the bucket, or a CDN in
front of it, serves the bytes and enforces the expiry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

#: S3's own ceiling for a SigV4 presigned URL (7 days).
MAX_PRESIGN_S = 7 * 24 * 3600


class S3Settings(BaseModel):
    """One bucket on AWS S3, MinIO, Ceph RGW, R2, GCS interop, ... (``REELBOT_MEDIA__S3__*``)."""

    bucket: str = Field("", description="the bucket; required when media.backend is s3")
    prefix: str = Field(
        "", pattern=r"^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$", description="keys live under it"
    )
    endpoint: str | None = Field(None, description="e.g. http://minio:9000; None = AWS for the region")
    public_endpoint: str | None = Field(
        None, description="origin presigned URLs name (what browsers reach); default: endpoint"
    )
    region: str = "us-east-1"
    access_key_id: SecretStr | None = Field(None, description="None = the SDK's usual chain (env, IAM role)")
    secret_access_key: SecretStr | None = None
    allow_http: bool = Field(False, description="plain HTTP to the endpoint (a private network only)")
    path_style: bool = Field(
        True, description="bucket in the path, as MinIO and most self-hosted stores want"
    )
    retry_timeout_s: float = Field(
        120.0, gt=0, description="an operation keeps retrying a store that is down for this long"
    )
    max_backoff_s: float = Field(2.0, gt=0, description="longest wait between two retries")
    cache_dir: Path | None = Field(
        None, description="local copies for code that needs a file (ffmpeg); default: data_dir/media-cache"
    )


class MediaSettings(BaseModel):
    """Which media backend this deployment uses, and how platforms fetch media."""

    backend: Literal["local", "s3"] = "local"
    delivery: Literal["server", "presigned"] = Field(
        "server", description="server = media server streams with its own signatures"
    )
    s3: S3Settings = S3Settings()

    @model_validator(mode="after")
    def _coherent(self) -> MediaSettings:
        if self.backend == "s3" and not self.s3.bucket:
            raise ValueError("media.s3.bucket is required when media.backend is s3")
        if self.delivery == "presigned" and self.backend != "s3":
            raise ValueError("media.delivery=presigned needs media.backend=s3")
        if (self.s3.access_key_id is None) != (self.s3.secret_access_key is None):
            raise ValueError("set both media.s3.access_key_id and media.s3.secret_access_key, or neither")
        return self
