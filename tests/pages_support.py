"""Driving pages in a real headless browser: Debian's Chromium through Playwright (never a
downloaded browser), plus screenshots for a human to look at.

Screenshots are taken only when ``MOTCUA_SCREENSHOTS`` names a directory (outside the
repository, e.g. ``/tmp/motcua-pages``)."""

import os
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from motcua_runtime.auth import TOKEN_COOKIE

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@asynccontextmanager
async def chromium():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def vietnamese_page(browser: Browser, base_url: str, token: str | None = None):
    """A fresh browser profile of an office PC set to Vietnamese, on a 1366×768 screen. Its clock is
    in UTC on purpose: pages must show the commune's local time whatever the PC says. ``token``:
    already signed in (the cookie the sign-in page sets; tests/test_access.py signs in on the page)."""
    context = await browser.new_context(base_url=base_url, locale="vi-VN", timezone_id="UTC",
                                        viewport={"width": 1366, "height": 768})
    if token:
        await context.add_cookies([{"name": TOKEN_COOKIE, "value": token, "url": base_url,
                                    "httpOnly": True, "sameSite": "Lax"}])
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> None:
    directory = os.environ.get("MOTCUA_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
