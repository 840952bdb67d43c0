"""The pages over HTTP (no browser): links, privacy, filters, escaping, headers, rate limit."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import aiohttp
import pytest

from reelbot.domain.errors import Forbidden
from reelbot.domain.settings import Settings
from reelbot.domain.types import Platform

from .conftest import Site, start_site
from .scenes import ALICE, BOB, CAROL, add_board, build_scene


async def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


def card_ids(page: str) -> list[str]:
    return re.findall(r'<li class="card" data-clip="([0-9a-f-]+)"', page)


async def test_my_gallery_lists_only_my_live_clips_newest_first(site: Site) -> None:
    scene = await build_scene(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    status, headers, page = await fetch(link + "?lang=zh-TW")
    assert status == 200
    assert card_ids(page) == [str(c) for c in scene.alice_clips]
    assert str(scene.deleted) not in page and "這支會被刪除" not in page
    assert all(str(c) not in page for c in scene.bob_clips + scene.carol_clips)
    assert "我的作品集" in page and "共 7 支影片" in page
    # Discord message links and downloads.
    assert 'href="https://discord.com/channels/guild-1/chan-1/' in page
    assert page.count(" download>") == 7
    # robots off by default, CSP names the media origin, scripts only from this origin.
    assert (
        headers["X-Robots-Tag"] == "noindex, nofollow"
        and '<meta name="robots" content="noindex, nofollow">' in page
    )
    csp = headers["Content-Security-Policy"]
    assert f"media-src 'self' {site.media_url}" in csp and "script-src 'self'" in csp
    assert "default-src 'none'" in csp


async def test_gallery_paging_and_filters(site_any_db: Site) -> None:
    site = site_any_db
    scene = await build_scene(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    scope = await site.gallery.open(link.rsplit("/", 1)[1])
    from reelbot.app.gallery_queries import parse_filter

    first = await site.gallery.page(scope, parse_filter(None, None, None, None), 1, per_page=3)
    second = await site.gallery.page(scope, parse_filter(None, None, None, None), 2, per_page=3)
    assert [c.id for c in first.cards + second.cards] == scene.alice_clips[:6] and first.pages == 3
    _, _, page = await fetch(link + "?preset=tiny-ltx&lang=en")
    assert card_ids(page) == [str(scene.alice_clips[3])]  # the only tiny-ltx clip
    _, _, page = await fetch(link + "?mode=draft")
    drafts = card_ids(page)
    assert drafts and all(re.search(rf'data-clip="{i}".*?<span>draft</span>', page, re.S) for i in drafts)
    assert len(drafts) == 2
    _, _, page = await fetch(link + "?from=2026-11-02&to=2026-11-03")
    assert len(card_ids(page)) == 2
    _, _, page = await fetch(link + "?from=not-a-date&mode=warp&page=zz")  # ignored, not an error
    assert len(card_ids(page)) == 7


async def test_tampered_expired_revoked_and_other_peoples_links_are_refused(site: Site) -> None:
    await build_scene(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    token = link.rsplit("/", 1)[1]
    body, sig = token.split(".")
    status, _, page = await fetch(
        f"{site.media_url}/g/{body}.{sig[:-1]}{'0' if sig[-1] != '0' else '1'}?lang=en"
    )
    assert status == 403 and "not valid" in page
    # Someone else's scope with Alice's signature.
    bob = await site.gallery.link_for_user(Platform.DISCORD, BOB)
    bob_scope = json.loads(base64.urlsafe_b64decode(bob.rsplit("/", 1)[1].split(".")[0] + "=="))["s"]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["s"] = bob_scope
    forged = (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=").decode()
    )
    status, _, page = await fetch(f"{site.media_url}/g/{forged}.{sig}?lang=zh-TW")
    assert status == 403 and "無效" in page
    status, _, _ = await fetch(f"{site.media_url}/g/garbage")
    assert status == 403
    expired = await site.gallery.link_for_user(Platform.DISCORD, ALICE, ttl_s=60, now=time.time() - 3600)
    status, _, page = await fetch(expired + "?lang=en")
    assert status == 403 and "expired" in page
    # Revoking stops every earlier link, and a new one works.
    assert (await fetch(link))[0] == 200
    await site.gallery.revoke_user(Platform.DISCORD, ALICE)
    status, _, page = await fetch(link + "?lang=en")
    assert status == 403 and "revoked" in page
    fresh = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    assert (await fetch(fresh))[0] == 200
    # Bob's own link shows Bob's clips only.
    _, _, page = await fetch(bob)
    assert "小艾" not in page


async def test_community_gallery_is_off_by_default_and_hides_deleted_and_departed(site_any_db: Site) -> None:
    site = site_any_db
    scene = await build_scene(site.clips, site.service)
    with pytest.raises(Forbidden):
        await site.gallery.link_for_community(Platform.DISCORD, "guild-1")
    await site.gallery.set_community_gallery(Platform.DISCORD, "guild-1", enabled=True, by=ALICE)
    link = await site.gallery.link_for_community(Platform.DISCORD, "guild-1")
    _, _, page = await fetch(link)
    shown = card_ids(page)
    assert str(scene.deleted) not in shown
    assert str(scene.bob_clips[0]) not in shown  # made in a DM, not in the community
    assert str(scene.bob_clips[1]) in shown and str(scene.carol_clips[0]) in shown
    await site.gallery.member_left(Platform.DISCORD, "guild-1", CAROL)
    _, _, page = await fetch(link)
    assert all(str(c) not in card_ids(page) for c in scene.carol_clips)
    assert len(card_ids(page)) == len(shown) - 2
    await site.gallery.member_joined(Platform.DISCORD, "guild-1", CAROL)
    assert len(card_ids((await fetch(link))[2])) == len(shown)
    # Switching it off refuses the links already sent.
    await site.gallery.set_community_gallery(Platform.DISCORD, "guild-1", enabled=False, by=ALICE)
    status, _, page = await fetch(link + "?lang=en")
    assert status == 403 and "switched off" in page


async def test_hostile_prompts_are_escaped_everywhere(site: Site) -> None:
    scene = await build_scene(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    for url in (link, f"{site.media_url}/c/{scene.hostile}", f"{site.media_url}/c/{scene.hostile}/tree"):
        status, _, page = await fetch(url)
        assert status == 200
        assert "<img src=x" not in page and "<script>alert" not in page and "onerror=alert(1)>" not in page
    _, _, page = await fetch(f"{site.media_url}/c/{scene.hostile}")
    escaped = (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 貓 &amp; 狗"
    )
    assert escaped in page
    assert "<bdi>" + escaped + " \u202eevil\u202c 🎬</bdi>" in page  # the RTL override stays inside <bdi>
    assert '<meta property="og:title" content="&quot;&gt;&lt;img src=x' in page  # attributes too


async def test_clip_page_tags_recipe_and_hint(site: Site) -> None:
    scene = await build_scene(site.clips, site.service)
    status, headers, page = await fetch(
        f"{site.media_url}/c/{scene.family[2]}", **{"Accept-Language": "zh-TW"}
    )
    assert status == 200
    for tag in (
        'property="og:type" content="video.other"',
        'property="og:video:type" content="video/mp4"',
        'property="og:video:width" content="144"',
        'property="og:video:height" content="256"',
        'name="twitter:card" content="player"',
        'name="twitter:player:stream:content_type" content="video/mp4"',
    ):
        assert tag in page
    assert re.search(r'property="og:video" content="http://127\.0\.0\.1:\d+/media/clips/', page)
    assert "AI 生成" in page and "內容憑證：由 reelbot test CA 簽署" in page  # signed by the test CA
    assert page.count('<ul class="refs">') == 1 and "角色" in page and "風格" in page
    refs = re.findall(r'<li><img src="(http://127\.0\.0\.1:\d+/media/assets/[^"]+)"', page)
    assert len(refs) == 2
    async with aiohttp.ClientSession() as session, session.get(refs[0].replace("&amp;", "&")) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
    _, _, unsigned = await fetch(f"{site.media_url}/c/{scene.family[1]}?lang=zh-TW")
    assert "內容憑證：未簽署" in unsigned and '<ul class="refs">' not in unsigned
    assert "「改提示」" in page and "Remix" not in page  # the button as the zh-TW button reads
    assert "種子" in page and "tiny" in page
    assert "script-src" not in headers["Content-Security-Policy"]
    assert 'class="player ar-9-16"' in page and 'height="256"' in page
    _, _, en = await fetch(f"{site.media_url}/c/{scene.family[2]}?lang=en")
    assert "“Remix” in Discord" in en and "AI-generated" in en
    status, _, _ = await fetch(f"{site.media_url}/c/{scene.deleted}")
    assert status == 410


async def test_tree_has_every_node_and_hides_private_and_deleted(site_any_db: Site) -> None:
    site = site_any_db
    scene = await build_scene(site.clips, site.service)
    status, _, page = await fetch(f"{site.media_url}/c/{scene.family[3]}/tree?lang=zh-TW")
    assert status == 200
    nodes = re.findall(r'<g class="node (\w+)[^"]*" data-clip="([0-9a-f-]+)"', page)
    assert {clip for _, clip in nodes} == {str(c) for c in scene.family}
    states = dict((clip, state) for state, clip in nodes)
    assert states[str(scene.deleted)] == "deleted"
    assert states[str(scene.family[5])] == "private"  # Bob's DM remix
    assert "Bob 的私人版本" not in page
    assert page.count('<g class="edge">') == len(scene.family) - 1
    for label in ("變化", "改提示", "延長", "重新生成"):
        assert label in page
    assert page.count("<image href=") == len(scene.family) - 2


async def test_pages_are_rate_limited(settings: Settings, tmp_path: Path) -> None:
    from reelbot.bots.web.routes import RateLimiter

    site, runner = await start_site(settings, tmp_path, limiter=RateLimiter(limit=3, window_s=3600))
    try:
        made = await site.clips.make(user=ALICE, prompt="x")
        statuses = [(await fetch(f"{site.media_url}/c/{made.clip_id}"))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # Media and static files are not counted.
        assert (await fetch(f"{site.media_url}/static/web/site.css"))[0] == 200
    finally:
        await runner.cleanup()
        await site.service.close()


async def test_storyboard_shots_and_draft_show_in_my_gallery(site: Site) -> None:
    board_id, shots = await add_board(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    _, _, page = await fetch(link + "?lang=zh-TW")
    assert page.count('<li class="card board"') == 1 and f'data-board="{board_id}"' in page
    assert "紙船的一天 &lt;i&gt;" in page and "2 個鏡頭" in page and "Bob 的分鏡" not in page
    assert re.search(
        rf'<a href="http://127\.0\.0\.1:\d+/media/drafts/{board_id}/abc\.mp4\?[^"]+" download>', page
    )
    assert page.count("第 1 個鏡頭") == 1 and page.count("第 2 個鏡頭") == 1
    assert len(card_ids(page)) == 3 and set(map(str, shots)) <= set(card_ids(page))  # shots are clips too


async def test_embed_player_is_the_only_frameable_page(site: Site) -> None:
    made = await site.clips.make(user=ALICE, prompt="embed")
    status, headers, page = await fetch(f"{site.media_url}/c/{made.clip_id}?embed=1")
    assert status == 200 and "frame-ancestors *" in headers["Content-Security-Policy"]
    assert "<video controls" in page and "<h2>" not in page
    _, headers, _ = await fetch(f"{site.media_url}/c/{made.clip_id}")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
