"""The pages in a real browser: Debian's Chromium driven by Playwright (no browser download).

Every page is opened as ``http://localhost:PORT`` while the media URLs say ``127.0.0.1``:
the CSP must allow the media origin in use, or the video never loads. Waits are generous
(the machine is shared); nothing asserts a duration. Screenshots of each page (phone and
desktop) go to the test's tmp dir, and to ``$REELBOT_SCREENSHOTS`` when set (that is how
docs/screenshots/ is made: ``REELBOT_SCREENSHOTS=docs/screenshots pytest tests/web``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from reelbot.domain.types import Platform

from .conftest import Site
from .scenes import ALICE, BOB, add_board, build_scene

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
WAIT_MS = 90_000  # generous: readiness, not speed, is what is tested

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.blockedURI + ' ' + e.violatedDirective));
"""


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def open_page(
    browser: Browser, viewport: str, url: str, *, lang: str = "zh-TW"
) -> tuple[Page, list[str]]:
    context = await browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=lang,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        device_scale_factor=1,
    )
    page = await context.new_page()
    await page.add_init_script(CSP_WATCH)
    external: list[str] = []
    page.on("request", lambda request: external.append(request.url) if not _local(request.url) else None)
    response = await page.goto(url, wait_until="load")
    assert response is not None
    return page, external


def _local(url: str) -> bool:
    return bool(re.match(r"^(http://(127\.0\.0\.1|localhost):\d+/|data:|about:)", url))


async def shoot(page: Page, tmp_path: Path, name: str) -> Path:
    target = tmp_path / f"{name}.png"
    await page.screenshot(path=str(target), full_page=True)
    out = os.environ.get("REELBOT_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / f"{name}.png").write_bytes(target.read_bytes())
    return target


async def wait_playing(page: Page, selector: str) -> dict[str, Any]:
    """Start the video muted and wait until it has data and its clock has moved on."""
    await page.eval_on_selector(selector, "v => { v.muted = true; v.loop = true; v.play().catch(() => {}); }")
    await page.wait_for_function(
        f"() => {{ const v = document.querySelector({selector!r}); return v && v.readyState >= 2; }}",
        timeout=WAIT_MS,
    )
    start = await page.eval_on_selector(selector, "v => v.currentTime")
    await page.wait_for_function(
        f"() => document.querySelector({selector!r}).currentTime > {start} + 0.25", timeout=WAIT_MS
    )
    return await page.eval_on_selector(
        selector, "v => ({ready: v.readyState, time: v.currentTime, error: v.error && v.error.code})"
    )


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


async def cjk_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The platform fonts Chromium used to draw a node's text (DevTools protocol)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    node = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return list(fonts["fonts"])


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_clip_page_plays_at_its_aspect_under_another_host_name(
    site: Site, browser: Browser, tmp_path: Path, viewport: str
) -> None:
    scene = await build_scene(site.clips, site.service)
    page, external = await open_page(
        browser, viewport, f"{site.other_host_url}/c/{scene.family[2]}?lang=zh-TW"
    )
    state = await wait_playing(page, ".player video")
    assert state["ready"] >= 2 and state["error"] is None
    frame = await box(page, ".player")
    assert frame["height"] > frame["width"] * 1.5, frame  # 9:16, not a wide short box
    assert frame["width"] <= VIEWPORTS[viewport]["width"]
    assert await page.evaluate("window.__cspViolations") == []
    assert external == []
    # zh-TW text is drawn with a CJK font, every glyph found (no tofu).
    fonts = await cjk_fonts(page, ".recipe dd bdi")
    assert any("CJK" in f["familyName"] for f in fonts), fonts
    prompt = await page.inner_text(".recipe dd bdi")
    cjk_chars = len(re.findall(r"[\u4e00-\u9fff]", prompt))
    assert sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"]) >= cjk_chars > 0
    await page.eval_on_selector(".player video", "v => { v.pause(); v.currentTime = 1.5; }")
    await shoot(page, tmp_path, f"clip-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_my_gallery_previews_on_hover_and_tap(
    site: Site, browser: Browser, tmp_path: Path, viewport: str
) -> None:
    scene = await build_scene(site.clips, site.service)
    await add_board(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    url = link.replace(site.media_url, site.other_host_url) + "?lang=zh-TW"
    page, external = await open_page(browser, viewport, url)
    cards = page.locator("li.card:not(.board)")
    assert await cards.count() == len(scene.alice_clips) + 3  # + the board's two shots and a stray clip
    assert await page.locator("li.card.board").count() == 1
    await page.wait_for_function(
        "() => [...document.querySelectorAll('video.preview')].every(v => v.getAttribute('poster'))"
    )
    thumb = await box(page, "li.card .thumb")
    assert thumb["height"] > thumb["width"] * 1.5, thumb
    first = page.locator("li.card:not(.board)").first
    if viewport == "phone":
        await first.locator("video.preview").tap()
    else:
        await first.hover()
    await page.wait_for_function(
        "() => { const v = document.querySelector('li.card:not(.board) video.preview');"
        " return v.readyState >= 2 && v.currentTime > 0.25; }",
        timeout=WAIT_MS,
    )
    assert page.url.startswith(url.split("?")[0])  # the first tap previews, it does not navigate
    assert await page.evaluate("window.__cspViolations") == []
    assert external == []
    fonts = await cjk_fonts(page, "h1 bdi")
    assert any("CJK" in f["familyName"] for f in fonts), fonts
    await page.mouse.move(0, 0)
    await shoot(page, tmp_path, f"gallery-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_remix_tree_shows_every_node(
    site: Site, browser: Browser, tmp_path: Path, viewport: str
) -> None:
    scene = await build_scene(site.clips, site.service)
    page, external = await open_page(
        browser, viewport, f"{site.other_host_url}/c/{scene.family[3]}/tree?lang=zh-TW"
    )
    nodes = page.locator("svg.tree g.node")
    assert await nodes.count() == len(scene.family)
    for clip_id in scene.family:
        node = await box(page, f'svg.tree g.node[data-clip="{clip_id}"]')
        assert node["width"] > 40 and node["height"] > 80
    # Posters at the shown nodes are really loaded images (not blocked by the CSP).
    await page.wait_for_load_state("networkidle")
    assert await page.evaluate("window.__cspViolations") == []
    assert external == []
    assert await page.locator("svg.tree g.edge text").count() == len(scene.family) - 1
    await shoot(page, tmp_path, f"tree-{viewport}")


async def test_refused_links_show_why(site: Site, browser: Browser, tmp_path: Path) -> None:
    await build_scene(site.clips, site.service)
    link = await site.gallery.link_for_user(Platform.DISCORD, ALICE)
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    page, _ = await open_page(
        browser, "phone", tampered.replace(site.media_url, site.other_host_url) + "?lang=zh-TW"
    )
    assert "無效" in await page.inner_text("main")
    expired = await site.gallery.link_for_user(Platform.DISCORD, BOB, ttl_s=60, now=time.time() - 600)
    response = await page.goto(expired + "?lang=en")
    assert response is not None and response.status == 403
    assert "expired" in await page.inner_text("main")
    await shoot(page, tmp_path, "refused-phone")
