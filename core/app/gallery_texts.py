"""Message keys of the gallery links (en and zh-TW): why a link is refused."""

from __future__ import annotations

from reelbot.domain.messages import EN, ZH_TW

_EN_TEXTS: dict[str, str] = {
    "gallery.link_invalid": "This gallery link is not valid. Ask the bot for a new one.",
    "gallery.link_expired": "This gallery link has expired. Ask the bot for a new one.",
    "gallery.link_revoked": "This gallery link was revoked. Ask the bot for a new one.",
    "gallery.community_off": (
        "This community's gallery is switched off. Its admins can switch it on (/admin gallery on)."
    ),
}
_ZH_TEXTS: dict[str, str] = {
    "gallery.link_invalid": "這個作品集連結無效，請向機器人索取新的連結。",
    "gallery.link_expired": "這個作品集連結已過期，請向機器人索取新的連結。",
    "gallery.link_revoked": "這個作品集連結已被撤銷，請向機器人索取新的連結。",
    "gallery.community_off": "這個社群的作品集尚未開啟，管理員可以用 /admin gallery on 開啟。",
}
TEXTS = {EN: _EN_TEXTS, ZH_TW: _ZH_TEXTS}
