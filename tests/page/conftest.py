"""The whole app in-process for the chat page test, and a headless Chromium to drive the page.

The app is wired as `bot.entrypoint.serve` wires it: a runtime on a database of the test's own
and Redis keys under the test's prefix, the local Bot API server with the page's fixture and
sample-data loaders, and a Dispatcher long-polling that server. The browser is Debian's
`chromium` driven by Playwright (no `playwright install`): `.ci/run` installs it when missing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from bot.app_runtime import AppRuntime
from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.entrypoint import local_api_loaders
from bot.factory import LOCAL_TOKEN, create_bot, create_dispatcher
from bot.runtime import build_runtime
from config.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class RunningApp:
    base_url: str
    state: LocalBotApi
    runtime: AppRuntime


@pytest.fixture
async def running_app(
    settings: Settings, fresh_database: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[RunningApp]:
    runtime = await build_runtime(
        settings, database_url=fresh_database, redis_url=redis_url, key_prefix=redis_prefix
    )
    runtime.media_dir = tmp_path / "data" / "media"  # the seller's photos stay out of the repo
    runner, base_url, state = await start_local_api(**local_api_loaders(runtime))
    bot = create_bot(LOCAL_TOKEN, base_url)
    dispatcher = create_dispatcher(runtime)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=True, polling_timeout=2
        )
    )
    try:
        yield RunningApp(base_url, state, runtime)
    finally:
        with contextlib.suppress(RuntimeError):  # polling that never started
            await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, 5)
        await bot.session.close()  # also when polling never got to close it
        await runtime.close()
        await runner.cleanup()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The browser's path; a missing browser fails the test (it must run in CI, never skip)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the chat page test needs Debian's "
            "`chromium` package; .ci/run installs it (apt-get install -y chromium)",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path, tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile: no saved identities
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
async def page(browser: BrowserContext) -> Page:
    return browser.pages[0] if browser.pages else await browser.new_page()
