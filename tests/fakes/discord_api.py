"""A local fake of Discord's HTTP API, CDN and gateway, for the real (unmodified) discord.py.

Tests point discord.py at it (:func:`FakeDiscord.redirect_discordpy`), start a real bot, and
then play Discord's part: send ``INTERACTION_CREATE`` payloads through the gateway and read
back every HTTP call the bot made (:attr:`FakeDiscord.calls`), including multipart uploads.

Only what reelbot's bot uses is implemented, but what is implemented behaves like Discord:
the interaction callback answers once (a second answer is ``40060``), an unanswered
interaction token expires after 3 s (``10062``, so a slow defer shows up), uploads larger than
the guild's limit are refused (``40005``), editing one message faster than
``min_edit_interval_s`` answers ``429`` (a throttle bug shows up as a recorded 429), and a
wrong bot token is a ``401`` at login. Messages are kept so buttons can be clicked on them
later, from a bot process that never sent them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

_snowflakes = itertools.count(int(time.time() * 1000 - 1420070400000) << 22)


def snowflake() -> str:
    """A fresh, increasing Discord-style id."""
    return str(next(_snowflakes))


@dataclass
class Upload:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One HTTP request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    files: list[Upload]
    status: int
    at: float  # monotonic
    authorization: str | None = field(default=None, repr=False)

    def is_(self, method: str, path_prefix: str) -> bool:
        return self.method == method and self.path.startswith(path_prefix)


@dataclass
class Interaction:
    """An interaction the fake sent, and what happened to its token."""

    id: str
    token: str
    sent_at: float
    payload: dict[str, Any]
    callback: Call | None = None
    original_message_id: str | None = None


class FakeDiscord:
    """REST (``/api/v10``), CDN (``/attachments``) and gateway (``/gateway``) on one port."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        premium_tier: int = 0,
        min_edit_interval_s: float = 1.0,
        interaction_window_s: float = 3.0,
    ) -> None:
        self.token = token
        self.app_id = snowflake()
        self.bot_user = {
            "id": self.app_id,
            "username": "reelbot",
            "discriminator": "0",
            "global_name": "reelbot",
            "avatar": None,
            "bot": True,
        }
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.extra_guilds: list[str] = []  # add_guild(): more servers (sharding tests)
        self.shard_count = 1  # what GET /gateway/bot recommends
        self.shard_of_socket: dict[web.WebSocketResponse, tuple[int, int]] = {}  # IDENTIFY's "shard"
        self.premium_tier = premium_tier
        self.min_edit_interval_s = min_edit_interval_s
        self.interaction_window_s = interaction_window_s
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.deleted_messages: set[str] = set()
        self.interactions: dict[str, Interaction] = {}
        self.commands: list[dict[str, Any]] = []
        self.cdn: dict[str, tuple[str, bytes]] = {}
        self._last_edit: dict[str, float] = {}
        self.held_edits: dict[str, asyncio.Event] = {}  # hold_edits(): message id → released when set
        self.held_downloads: dict[str, asyncio.Event] = {}  # hold_download(): CDN key → released when set
        self.waiting_downloads: set[str] = set()  # held CDN keys a download is waiting on now
        self._sockets: list[web.WebSocketResponse] = []
        self._identified = asyncio.Event()
        self._changed = asyncio.Condition()
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{key:.+}", self._cdn_get)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def redirect_discordpy(self) -> None:
        """Point the installed discord.py at this fake (class attributes, process-wide)."""
        import discord.gateway
        import discord.http
        import yarl

        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    async def wait_identified(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._identified.wait(), timeout)

    def add_guild(self, *, shard: int | None = None, shard_count: int = 1) -> str:
        """Another server the bot is in; with ``shard``, one whose id falls on that shard."""
        gid = snowflake()
        if shard is not None:  # the next timestamp (id >> 22) that falls on ``shard``
            stamp = (int(gid) >> 22) + 1
            stamp += (shard - stamp) % shard_count
            gid = str((stamp << 22) | (len(self.extra_guilds) + 1))
        self.extra_guilds.append(gid)
        return gid

    def _owns(self, ws: web.WebSocketResponse, guild_id: str | None) -> bool:
        """Discord sends a guild's events only on the shard ``(guild_id >> 22) % count``."""
        shard = self.shard_of_socket.get(ws)
        return guild_id is None or shard is None or shard_for(guild_id, shard[1]) == shard[0]

    async def wait_shards(self, count: int, timeout: float = 15.0) -> None:
        """Wait until ``count`` gateway sessions identified with a shard."""
        await self.wait_for(lambda: len(self.shard_of_socket) >= count, timeout, f"{count} shards")

    def disconnect_all(self) -> None:
        """Forget the gateway sessions of a bot that was stopped (so a new one is awaited)."""
        self._identified.clear()

    # -- what tests read ------------------------------------------------------------------

    def find(self, method: str, path_prefix: str) -> list[Call]:
        return [c for c in self.calls if c.is_(method, path_prefix)]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every recorded change)."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out waiting for {what}; calls: {self.summary()}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(left, 0.5))

    def summary(self) -> list[str]:
        return [f"{c.method} {c.path} -> {c.status}" for c in self.calls]

    def channel_messages(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Messages everyone in the channel sees (ephemeral replies and deleted ones excluded)."""
        cid = channel_id or self.channel_id
        return [
            m
            for mid, m in self.messages.items()
            if m["channel_id"] == cid and mid not in self.deleted_messages and not m.get("flags", 0) & 64
        ]

    # -- payload builders -----------------------------------------------------------------

    def user(self, user_id: str | None = None, name: str = "creator") -> dict[str, Any]:
        return {
            "id": user_id or snowflake(),
            "username": name,
            "discriminator": "0",
            "global_name": name.title(),
            "avatar": None,
        }

    def add_attachment(
        self, filename: str, data: bytes, content_type: str = "image/png", *, size: int | None = None
    ) -> dict[str, Any]:
        """Host ``data`` on the fake CDN; return the attachment object Discord would send.

        ``size`` lets a test claim another size than the bytes served (Discord reports the
        real size; a lying size checks that the download itself is capped too).
        """
        aid = snowflake()
        key = f"{self.channel_id}/{aid}/{filename}"
        self.cdn[key] = (content_type, data)
        url = f"{self.base_url}/attachments/{key}?ex=1&is=1&hm=abc"
        return {
            "id": aid,
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
            "width": None,
            "height": None,
        }

    def _base_interaction(
        self,
        itype: int,
        user: dict[str, Any] | None,
        locale: str,
        permissions: str,
        guild_id: str | None = None,
    ) -> dict[str, Any]:
        member_user = user or self.user()
        gid = guild_id or self.guild_id
        return {
            "id": snowflake(),
            "application_id": self.app_id,
            "type": itype,
            "token": "itok-" + snowflake(),
            "version": 1,
            "guild_id": gid,
            "channel_id": self.channel_id,
            "channel": {
                "id": self.channel_id,
                "type": 0,
                "guild_id": gid,
                "name": "videos",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            "member": {
                "user": member_user,
                "roles": [],
                "flags": 0,
                "joined_at": "2025-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "permissions": permissions,
            },
            "locale": locale,
            "guild_locale": "en-US",
            "app_permissions": "2147483647",
            "entitlements": [],
            "authorizing_integration_owners": {"0": gid},
            "context": 0,
            "attachment_size_limit": self.upload_limit,
        }

    @property
    def upload_limit(self) -> int:
        return {0: 10, 1: 10, 2: 50, 3: 100}[self.premium_tier] * 1024 * 1024

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        attachments: dict[str, dict[str, Any]] | None = None,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
        permissions: str = "0",
        subcommand: list[str] | None = None,
        focused: str | None = None,
        guild_id: str | None = None,
    ) -> dict[str, Any]:
        """A CHAT_INPUT command (or its autocomplete when ``focused`` names an option)."""
        payload = self._base_interaction(4 if focused else 2, user, locale, permissions, guild_id)
        opts: list[dict[str, Any]] = []
        for key, value in (options or {}).items():
            opt: dict[str, Any] = {"name": key, "type": _option_type(value), "value": value}
            if key == focused:
                opt["focused"] = True
            opts.append(opt)
        resolved: dict[str, Any] = {}
        for key, att in (attachments or {}).items():
            opts.append({"name": key, "type": 11, "value": att["id"]})
            resolved.setdefault("attachments", {})[att["id"]] = att
        for group in reversed(subcommand or []):
            opts = [{"name": group, "type": 1, "options": opts}]
        payload["data"] = {
            "id": snowflake(),
            "name": name,
            "type": 1,
            "options": opts,
            "guild_id": payload["guild_id"],
        }
        if resolved:
            payload["data"]["resolved"] = resolved
        return payload

    def message_command(
        self, name: str, message: dict[str, Any], *, user: dict[str, Any] | None = None, locale: str = "en-US"
    ) -> dict[str, Any]:
        payload = self._base_interaction(2, user, locale, "0")
        payload["data"] = {
            "id": snowflake(),
            "name": name,
            "type": 3,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
            "guild_id": self.guild_id,
        }
        return payload

    def user_message(
        self,
        content: str,
        attachments: list[dict[str, Any]] | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A message somebody posted in the channel (the target of a context-menu command)."""
        msg = self._message(content=content, author=user or self.user(), attachments=attachments or [])
        self.messages[msg["id"]] = msg
        return msg

    def click(
        self,
        message: dict[str, Any] | str,
        custom_id: str,
        *,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
        permissions: str = "0",
    ) -> dict[str, Any]:
        """A button click on a stored message (as Discord would send it: the message included)."""
        msg = self.messages[message] if isinstance(message, str) else message
        payload = self._base_interaction(3, user, locale, permissions)
        payload["message"] = msg
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return payload

    def select(
        self,
        message: dict[str, Any] | str,
        custom_id: str,
        values: list[str],
        *,
        user: dict[str, Any] | None = None,
        locale: str = "en-US",
        permissions: str = "0",
    ) -> dict[str, Any]:
        """A pick in a string select on a stored message (component type 3, the chosen values)."""
        payload = self.click(message, custom_id, user=user, locale=locale, permissions=permissions)
        payload["data"] = {"custom_id": custom_id, "component_type": 3, "values": values}
        return payload

    def modal_submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
        selects: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        """A modal submit: text inputs in action rows, ``selects`` (custom_id → chosen values)
        in label components, as Discord sends a select placed in a ``Label``."""
        payload = self._base_interaction(5, user, locale, "0")
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()
        ]
        rows += [
            {"type": 18, "component": {"type": 3, "custom_id": k, "values": v}}
            for k, v in (selects or {}).items()
        ]
        payload["data"] = {"custom_id": custom_id, "components": rows}
        if message is not None:
            payload["message"] = message
        return payload

    # -- gateway ----------------------------------------------------------------------------

    async def send_interaction(self, payload: dict[str, Any]) -> Interaction:
        """Dispatch INTERACTION_CREATE to the connected bot; remember the token's birth."""
        inter = Interaction(
            id=payload["id"], token=payload["token"], sent_at=time.monotonic(), payload=payload
        )
        self.interactions[inter.id] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    async def answered(self, inter: Interaction, timeout: float = 10.0) -> Call:
        """The bot's first callback for ``inter``."""
        await self.wait_for(lambda: inter.callback, timeout, f"callback of interaction {inter.id}")
        assert inter.callback is not None
        return inter.callback

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.wait_identified()
        self._seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        for ws in list(self._sockets):
            if not ws.closed and self._owns(ws, data.get("guild_id")):
                await ws.send_str(frame)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif data["op"] in (2, 6):  # IDENTIFY, or RESUME (answered as a fresh session)
                    shard = (data.get("d") or {}).get("shard")
                    if data["op"] == 2 and shard is not None:
                        self.shard_of_socket[ws] = (int(shard[0]), int(shard[1]))
                    await self._ready(ws)
        finally:
            self._sockets.remove(ws)
            self.shard_of_socket.pop(ws, None)
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        self._seq += 1
        guilds = [gid for gid in [self.guild_id, *self.extra_guilds] if self._owns(ws, gid)]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "session_id": "session-" + snowflake(),
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": gid, "unavailable": True} for gid in guilds],
            "application": {"id": self.app_id, "flags": 0},
        }
        if ws in self.shard_of_socket:
            ready["shard"] = list(self.shard_of_socket[ws])
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
        for gid in guilds:
            self._seq += 1
            frame = {"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": self._guild(gid)}
            await ws.send_str(json.dumps(frame))
        self._identified.set()
        async with self._changed:
            self._changed.notify_all()

    def _guild(self, guild_id: str | None = None) -> dict[str, Any]:
        return {
            "id": guild_id or self.guild_id,
            "name": "Creators",
            "icon": None,
            "owner_id": snowflake(),
            "premium_tier": self.premium_tier,
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": "0",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "members": [],
            "channels": [
                {
                    "id": self.channel_id,
                    "type": 0,
                    "name": "videos",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                }
            ],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
        }

    # -- CDN ----------------------------------------------------------------------------------

    def hold_download(self, attachment: dict[str, Any]) -> asyncio.Event:
        """Downloads of ``attachment`` wait (a slow CDN) until the event is set; while one
        waits, its key is in :attr:`waiting_downloads` (:meth:`wait_for` sees it arrive)."""
        key = attachment["url"].split("/attachments/", 1)[1].split("?", 1)[0]
        return self.held_downloads.setdefault(key, asyncio.Event())

    async def _cdn_get(self, request: web.Request) -> web.StreamResponse:
        gate = self.held_downloads.get(request.match_info["key"])
        if gate is not None and not gate.is_set():
            self.waiting_downloads.add(request.match_info["key"])
            async with self._changed:
                self._changed.notify_all()
            await gate.wait()
            self.waiting_downloads.discard(request.match_info["key"])
        entry = self.cdn.get(request.match_info["key"])
        if entry is None:
            return web.Response(status=404)
        content_type, data = entry
        return web.Response(body=data, content_type=content_type)

    # -- REST ---------------------------------------------------------------------------------

    def hold_edits(self, message_id: str) -> asyncio.Event:
        """Edits of ``message_id`` wait (as if Discord were slow to answer) until the event is set."""
        return self.held_edits.setdefault(message_id, asyncio.Event())

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        if request.method == "PATCH":
            gate = next((g for mid, g in self.held_edits.items() if path.endswith(f"/messages/{mid}")), None)
            if gate is not None:
                await gate.wait()
        body_json: Any = None
        files: list[Upload] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                raw = await part.read()
                if part.name == "payload_json":
                    body_json = json.loads(raw)
                else:
                    files.append(
                        Upload(
                            part.name or "",
                            part.filename or "",
                            part.headers.get("Content-Type", ""),
                            bytes(raw),
                        )
                    )
        elif request.can_read_body:
            raw_text = await request.text()
            body_json = json.loads(raw_text) if raw_text else None
        call = Call(
            request.method,
            path,
            dict(request.query),
            body_json,
            files,
            0,
            time.monotonic(),
            request.headers.get("Authorization"),
        )
        try:
            status, payload = self._handle(call)
        except Exception:
            log.exception("fake discord failed on %s %s", call.method, call.path)
            status, payload = 500, {"message": "fake failure", "code": 0}
        call.status = status
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        if payload is None:
            return web.Response(status=status)
        # Exactly "application/json": with a charset discord.py reads the body as text.
        return web.Response(
            status=status, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )

    def _handle(self, call: Call) -> tuple[int, Any]:
        parts = call.path.strip("/").split("/")
        m, p = call.method, parts
        if p[0] == "interactions":
            return self._callback(p[1], p[2], call)
        if p[0] == "webhooks":
            return self._webhook(p[2], p[3:], call)
        if call.authorization != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}
        if p == ["users", "@me"]:
            return 200, self.bot_user
        if p == ["gateway", "bot"]:  # the recommended shard count (GET /gateway/bot)
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return 200, {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}
        if p == ["gateway"]:
            return 200, {"url": self.gateway_url}
        if p == ["oauth2", "applications", "@me"]:
            return 200, {
                "id": self.app_id,
                "name": "reelbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.user(name="owner"),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
            }
        if m == "PUT" and p[0] == "applications" and p[-1] == "commands":
            self.commands = [
                {
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    **c,
                    "id": snowflake(),
                    "application_id": self.app_id,
                    "version": snowflake(),
                }
                for c in call.json
            ]
            return 200, self.commands
        if m == "GET" and p[0] == "applications" and p[-1] == "commands":
            return 200, self.commands
        if p[0] == "guilds" and len(p) == 2 and m == "GET":
            return 200, self._guild()
        if p[0] == "channels":
            return self._channel(p[1], p[2:], call)
        return 404, {"message": f"fake discord: no route {m} {call.path}", "code": 0}

    def _callback(self, interaction_id: str, token: str, call: Call) -> tuple[int, Any]:
        inter = self.interactions.get(interaction_id)
        if inter is None or inter.token != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if inter.callback is not None:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        if call.at - inter.sent_at > self.interaction_window_s:
            return 404, {"message": "Unknown interaction", "code": 10062}
        inter.callback = call
        body = call.json or {}
        rtype = body.get("type")
        data = body.get("data") or {}
        result: dict[str, Any] = {"interaction": {"id": interaction_id, "type": inter.payload["type"]}}
        if rtype in (4, 5):  # message / deferred message: the "original response" exists now
            flags = data.get("flags", 0)
            msg = self._message(
                content=data.get("content", ""),
                author=self.bot_user,
                components=data.get("components", []),
                embeds=data.get("embeds", []),
                flags=flags,
                interaction_id=interaction_id,
            )
            self.messages[msg["id"]] = msg
            inter.original_message_id = msg["id"]
            result["interaction"].update(
                response_message_id=msg["id"],
                response_message_loading=rtype == 5,
                response_message_ephemeral=bool(flags & 64),
            )
            result["resource"] = {"type": rtype, "message": msg}
        elif rtype == 7 and "message" in inter.payload:  # update the clicked message
            msg = self.messages[inter.payload["message"]["id"]]
            msg.update({k: v for k, v in data.items() if k in ("content", "components", "embeds")})
            result["resource"] = {"type": rtype, "message": msg}
        else:
            result["resource"] = {"type": rtype}
        return 200, result

    def _webhook(self, token: str, rest: list[str], call: Call) -> tuple[int, Any]:
        inter = next((i for i in self.interactions.values() if i.token == token), None)
        if inter is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        if time.monotonic() - inter.sent_at > 15 * 60:
            return 401, {"message": "Invalid Webhook Token", "code": 50027}
        body = call.json or {}
        if call.method == "POST" and not rest:  # follow-up message
            msg = self._message(
                content=body.get("content", ""),
                author=self.bot_user,
                components=body.get("components", []),
                embeds=body.get("embeds", []),
                flags=body.get("flags", 0),
                attachments=self._store_uploads(call),
            )
            self.messages[msg["id"]] = msg
            return 200, msg
        if len(rest) == 2 and rest[0] == "messages":
            mid = inter.original_message_id if rest[1] == "@original" else rest[1]
            if mid is None or mid not in self.messages:
                return 404, {"message": "Unknown Message", "code": 10008}
            if call.method == "PATCH":
                return self._edit(mid, body, call)
            if call.method == "GET":
                return 200, self.messages[mid]
            if call.method == "DELETE":
                self.deleted_messages.add(mid)
                return 204, None
        return 404, {"message": "fake discord: no webhook route", "code": 0}

    def _channel(self, channel_id: str, rest: list[str], call: Call) -> tuple[int, Any]:
        if not rest and call.method == "GET":
            return 200, {
                "id": channel_id,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "videos",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            }
        if rest == ["messages"] and call.method == "POST":
            body = call.json or {}
            total = sum(len(f.data) for f in call.files)
            if total > self.upload_limit:
                return 413, {"message": "Request entity too large", "code": 40005}
            nonce = body.get("nonce")
            if nonce is not None and body.get("enforce_nonce"):
                for existing in self.messages.values():
                    if existing.get("nonce") == nonce and existing["channel_id"] == channel_id:
                        return 200, existing  # Discord: same nonce again → the first message
            msg = self._message(
                content=body.get("content", ""),
                author=self.bot_user,
                components=body.get("components", []),
                embeds=body.get("embeds", []),
                attachments=self._store_uploads(call),
                channel_id=channel_id,
                reference=body.get("message_reference"),
            )
            if nonce is not None:
                msg["nonce"] = nonce
            self.messages[msg["id"]] = msg
            return 200, msg
        if len(rest) == 2 and rest[0] == "messages":
            mid = rest[1]
            if mid not in self.messages or mid in self.deleted_messages:
                return 404, {"message": "Unknown Message", "code": 10008}
            if call.method == "PATCH":
                return self._edit(mid, call.json or {}, call)
            if call.method == "GET":
                return 200, self.messages[mid]
            if call.method == "DELETE":
                self.deleted_messages.add(mid)
                return 204, None
        return 404, {"message": f"fake discord: no channel route {call.method} {call.path}", "code": 0}

    def _edit(self, mid: str, body: dict[str, Any], call: Call) -> tuple[int, Any]:
        last = self._last_edit.get(mid)
        if last is not None and call.at - last < self.min_edit_interval_s:
            return 429, {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
        self._last_edit[mid] = call.at
        msg = self.messages[mid]
        for key in ("content", "components", "embeds", "flags"):
            if key in body:
                msg[key] = body[key]
        uploads = self._store_uploads(call)
        if uploads or "attachments" in body:
            msg["attachments"] = uploads
        msg["edited_timestamp"] = "2026-01-01T00:00:01+00:00"
        return 200, msg

    def _store_uploads(self, call: Call) -> list[dict[str, Any]]:
        stored = []
        for upload in call.files:
            att = self.add_attachment(upload.filename, upload.data, upload.content_type)
            stored.append(att)
        return stored

    def _message(
        self,
        *,
        content: str,
        author: dict[str, Any],
        attachments: list[dict[str, Any]] | None = None,
        components: list[Any] | None = None,
        embeds: list[Any] | None = None,
        flags: int = 0,
        channel_id: str | None = None,
        interaction_id: str | None = None,
        reference: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "id": snowflake(),
            "type": 0 if interaction_id is None else 20,
            "channel_id": channel_id or self.channel_id,
            "guild_id": self.guild_id,
            "author": author,
            "content": content,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": embeds or [],
            "components": components or [],
            "pinned": False,
            "flags": flags,
        }
        if interaction_id is not None:
            msg["webhook_id"] = self.app_id
        if reference:
            msg["message_reference"] = reference
        return msg


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def shard_for(guild_id: str | int, shard_count: int) -> int:
    """Discord's rule: a guild's events go to shard ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every component custom_id on a stored message, in order."""
    found: list[str] = []
    for row in message.get("components", []):
        for comp in row.get("components", []):
            if "custom_id" in comp:
                found.append(comp["custom_id"])
    return found
