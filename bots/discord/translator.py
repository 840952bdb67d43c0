"""Slash-command names stay English; their descriptions are shown in zh-TW to zh-TW clients.

discord.py asks the tree's translator for every ``locale_str`` when syncing; we answer from
the message catalogue (``cmd.*`` keys), so the command list speaks the person's language.
"""

from __future__ import annotations

import discord
from discord import app_commands

from reelbot.domain.messages import CATALOGUE, ZH_TW

_LOCALES = {discord.Locale.taiwan_chinese: ZH_TW, discord.Locale.chinese: ZH_TW}


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        ours = _LOCALES.get(locale)
        if not key or ours is None:
            return None
        return CATALOGUE[ours].get(key)
