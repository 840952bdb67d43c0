"""A thin owner of line-bot-sdk's async clients: reply, push, loading animation, profile, content.

Why a wrapper: the SDK raises one ``ApiException`` for everything, and reelbot needs to tell
apart an expired reply token (fall back to push), an already-accepted retry key (409: the
push was delivered, do not send again), a transient outage (retry later) and a permanent
refusal (log and move on). Secrets stay inside the SDK's ``Configuration``; nothing here
logs a token or a request body.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    Message,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from reelbot.bots.line.config import LineConfig
from reelbot.domain.errors import InvalidRequest, ReelbotError
from reelbot.domain.settings import Settings

log = logging.getLogger(__name__)
MiB = 1024 * 1024


class PushFailed(Exception):
    """A push LINE did not accept; ``transient`` ones are retried (the retry key prevents doubles).

    ``monthly_limit``: LINE's 429 "You have reached your monthly limit" — it lasts until the
    next month, so it is NOT transient (retrying it would block every newer result).
    """

    def __init__(
        self, status: int | None, reason: str, *, transient: bool, monthly_limit: bool = False
    ) -> None:
        self.status = status
        self.transient = transient
        self.monthly_limit = monthly_limit
        super().__init__(f"push failed ({status}): {reason}")


MONTHLY_LIMIT_TEXT = "monthly limit"  # in LINE's 429 body: "You have reached your monthly limit."


def _error_message(exc: ApiException) -> str:
    """LINE's error message from the body, without headers (which may echo request ids)."""
    try:
        return str(json.loads(exc.body or "{}").get("message", exc.reason))
    except (ValueError, AttributeError):
        return str(exc.reason)


class LineApi:
    """One channel's Messaging API clients (``api.line.me`` and ``api-data.line.me``)."""

    def __init__(self, settings: Settings, config: LineConfig) -> None:
        if settings.line_channel_access_token is None:
            raise ReelbotError("line.missing_secret", variable="REELBOT_LINE_CHANNEL_ACCESS_TOKEN")
        token = settings.line_channel_access_token.get_secret_value()
        self._config = config
        self._api_client = AsyncApiClient(Configuration(host=settings.line_api_host, access_token=token))
        self._data_client = AsyncApiClient(Configuration(host=settings.line_data_host, access_token=token))
        self.messaging = AsyncMessagingApi(self._api_client)
        self.blob = AsyncMessagingApiBlob(self._data_client)
        self._data_host = settings.line_data_host.rstrip("/")

    async def close(self) -> None:
        await self._api_client.close()
        await self._data_client.close()

    async def reply(self, reply_token: str, messages: Sequence[Message]) -> bool:
        """Reply with the (free) reply token; False when the token is expired or used — push instead."""
        try:
            await self.messaging.reply_message(
                ReplyMessageRequest(
                    reply_token=reply_token, messages=list(messages), notification_disabled=False
                )
            )
        except ApiException as exc:
            if exc.status == 400 and "reply token" in _error_message(exc).lower():
                log.info("reply token no longer valid; falling back to push")
                return False
            log.warning("LINE refused a reply: %s %s", exc.status, _error_message(exc))
            return False
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("reply not sent (%s); falling back to push", type(exc).__name__)
            return False
        return True

    async def push(self, to: str, messages: Sequence[Message], *, retry_key: uuid.UUID) -> bool:
        """Push (counts against the monthly quota). Same ``retry_key`` again → delivered once.

        True when this call sent it; False when LINE had already accepted that retry key (409:
        delivered before, nothing new sent — and nothing new to count against the quota).
        """
        try:
            await self.messaging.push_message(
                PushMessageRequest(to=to, messages=list(messages)), x_line_retry_key=str(retry_key)
            )
        except ApiException as exc:
            if exc.status == 409:  # the retry key was accepted before: it was delivered
                log.info("push %s already accepted by LINE", retry_key)
                return False
            status = int(exc.status) if exc.status is not None else None
            reason = _error_message(exc)
            monthly = status == 429 and MONTHLY_LIMIT_TEXT in reason.lower()
            transient = not monthly and (status is None or status >= 500 or status == 429)
            raise PushFailed(status, reason, transient=transient, monthly_limit=monthly) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PushFailed(None, type(exc).__name__, transient=True) from None
        return True

    async def show_loading(self, chat_id: str) -> None:
        """Best effort: the animation is a nicety, never a reason to fail a request."""
        try:
            await self.messaging.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=self._config.loading_seconds)
            )
        except (TimeoutError, ApiException, aiohttp.ClientError) as exc:
            log.info("loading animation not shown: %s", type(exc).__name__)

    async def profile_language(self, user_id: str) -> str | None:
        """The user's LINE language (only friends in 1:1 chats tell it); None when unknown."""
        try:
            profile = await self.messaging.get_profile(user_id)
        except (TimeoutError, ApiException, aiohttp.ClientError) as exc:
            log.info("profile not available: %s", type(exc).__name__)
            return None
        return profile.language

    async def fetch_content(
        self, message_id: str, *, max_bytes: int, too_large: ReelbotError | None = None
    ) -> bytes:
        """Download a user's image/file/audio through the SDK's data-host client, stopping at ``max_bytes``
        (then raising ``too_large``, by default the photo's ``line.image_too_large``).

        ``AsyncMessagingApiBlob.get_message_content`` reads the whole body into memory and its
        ``_preload_content=False`` path is broken in the async client, so this streams through
        the same SDK REST client (its session, TLS and proxy settings, bearer auth) and gives up
        as soon as the cap is passed — a 50 MB upload costs at most ``max_bytes`` of memory.
        """
        config = self._data_client.configuration
        url = f"{self._data_host}/v2/bot/message/{message_id}/content"
        headers = {"Authorization": f"Bearer {config.access_token}", "Accept": "*/*"}
        if too_large is None:
            too_large = InvalidRequest("line.image_too_large", limit_mb=f"{max_bytes / MiB:.0f}")
        try:
            response = await self._data_client.rest_client.request(
                "GET",
                url,
                headers=headers,
                _preload_content=False,
                _request_timeout=self._config.api_timeout_s,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("content download failed: %s", type(exc).__name__)
            raise ReelbotError("line.image_fetch_failed") from None
        try:
            if response.status != 200:
                log.warning("content download refused: HTTP %s", response.status)
                raise ReelbotError("line.image_fetch_failed")
            if response.content_length is not None and response.content_length > max_bytes:
                raise too_large
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                received += len(chunk)
                if received > max_bytes:
                    raise too_large
                chunks.append(chunk)
            return b"".join(chunks)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("content download broke off: %s", type(exc).__name__)
            raise ReelbotError("line.image_fetch_failed") from None
        finally:
            response.close()  # drop the connection: never drain the rest of a huge body
