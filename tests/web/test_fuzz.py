"""Hostile prompts through the real pages: whatever a person writes comes back as the same text,
never as markup (the page parsed with the standard library's HTML parser)."""

from __future__ import annotations

from html.parser import HTMLParser

import aiohttp

from reelbot.domain.types import Platform

from .conftest import Site
from .scenes import ALICE

HOSTILE_PROMPTS = [
    "</bdi></dd></dl><script>alert(1)</script>",
    "\"'><svg onload=alert(1)>",
    "{{ 7*7 }} {% raw %} {# not a comment #}",
    "<!-- x --> ]]> <![CDATA[ y ]]>",
    "javascript:alert(document.cookie)",
    "&amp; &lt; &#x3C;script&#x3E; &unknown;",
    "\u202e\u2066rtl isolate\u2069\u200f mark \u202c",
    "貓咪🐱‍👤 跳舞 💃🏽 zwj 👨‍👩‍👧",
    "</title></textarea></style><style>*{display:none}</style>",
    "a" * 300 + " 很長的提示詞 " * 40,
]


class Texts(HTMLParser):
    """Collects the text inside every ``<bdi>`` and every tag name seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bdi: list[str] = []
        self.tags: set[str] = set()
        self.scripts: list[str | None] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        if tag == "bdi":
            self._depth += 1
            self.bdi.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "bdi":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.bdi[-1] += data


async def fetch(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, url
        return await response.text()


async def test_hostile_prompts_come_back_as_the_same_text(site: Site) -> None:
    made = [await site.clips.make(user=ALICE, prompt=prompt, hue=1) for prompt in HOSTILE_PROMPTS]
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    for page_url in (link + "?lang=en", link + "?lang=zh-TW"):
        parsed = Texts()
        parsed.feed(await fetch(page_url))
        assert sorted(parsed.bdi[1:]) == sorted(HOSTILE_PROMPTS)  # [0] is the heading
        assert parsed.scripts == ["/static/web/preview.js"]  # the page's own script, no other
        assert not parsed.tags & {"svg", "style", "textarea"}  # no tag came from a prompt
    for prompt, clip in zip(HOSTILE_PROMPTS, made, strict=True):
        parsed = Texts()
        parsed.feed(await fetch(f"{site.media_url}/c/{clip.clip_id}"))
        assert parsed.bdi == [prompt]
        assert not parsed.tags & {"script", "svg", "style", "textarea"}
