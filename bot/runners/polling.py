"""Long polling (the default mode): poll until told to stop, then finish what was started.

A stop stops `getUpdates` first, so no new update is taken; the updates in progress then get up
to `drain_seconds` to be answered. Their offset was already confirmed (aiogram's next
`getUpdates` carries it); an update fetched again after a crash meets the duplicate filters.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from aiogram import Bot, Dispatcher

from bot.runners.intake import UpdateIntake

log = structlog.get_logger(__name__)

POLLING_TIMEOUT_SECONDS = 30


async def leave_webhook(bot: Bot) -> None:
    """Switching back from webhook mode: Telegram refuses getUpdates while a webhook is set."""
    info = await bot.get_webhook_info()
    if info.url:
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("webhook.deleted", url=info.url)


async def run_polling(bot: Bot, dispatcher: Dispatcher, intake: UpdateIntake,
                      stop: asyncio.Event, *, drain_seconds: float,
                      polling_timeout: int = POLLING_TIMEOUT_SECONDS,
                      started: Callable[[], None] | None = None) -> None:
    """Poll until `stop` is set (or polling dies), then drain the updates in progress.
    `started` is called once polling is under way."""
    await leave_webhook(bot)
    polling = asyncio.create_task(dispatcher.start_polling(
        bot, handle_signals=False, close_bot_session=False, polling_timeout=polling_timeout))
    stopper = asyncio.create_task(stop.wait())
    if started is not None:
        started()
    try:
        await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not polling.done():
            try:
                await dispatcher.stop_polling()
            except RuntimeError:  # it had not started yet: it never will
                polling.cancel()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await polling  # re-raises what made polling die
        finally:
            await intake.drain(drain_seconds)
