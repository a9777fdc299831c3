"""One running bot, either mode: Dispatcher, metrics, web server, recovery, then poll or serve
the webhook until told to stop; then a graceful shutdown.

Shutdown order: stop taking updates (polling stops its `getUpdates`; the web server stops
accepting requests), let the updates in progress finish (bounded by `drain_seconds`), then close
the web server. The runtime and the bot belong to the caller, who closes them (the bot's session
after whatever else still sends through it, such as scheduled jobs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.metrics import BotMetrics
from bot.runners.intake import UpdateIntake
from bot.runners.polling import POLLING_TIMEOUT_SECONDS, run_polling
from bot.runners.webhook import run_webhook
from bot.runtime import AppRuntime
from bot.web_server import WebSetup, create_web_app, start_web_app

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 20.0


@dataclass
class RunningBot:
    """What `run_bot` wired, for whoever wants to look (tests, the `ready` callback)."""

    runtime: AppRuntime
    bot: Bot
    dispatcher: Dispatcher
    metrics: BotMetrics = field(default_factory=BotMetrics)
    intake: UpdateIntake = field(default_factory=UpdateIntake)
    web: web.AppRunner | None = None


def wire_dispatcher(runtime: AppRuntime, metrics: BotMetrics, intake: UpdateIntake
                    ) -> Dispatcher:
    from bot.factory import create_dispatcher

    dispatcher = create_dispatcher(runtime)
    intake.install(dispatcher)
    metrics.install(dispatcher)
    return dispatcher


async def recover(running: RunningBot) -> int:
    """Answer the inbound messages a crash left unanswered; returns how many."""
    from bot.channel import deliver

    runtime = running.runtime
    with running.metrics.observing(None):
        results = await runtime.service.retry_unprocessed()
        for result in results:
            await deliver(running.bot, runtime.service, result)
    if results:
        log.info("recovery.answered", count=len(results))
    return len(results)


async def run_bot(runtime: AppRuntime, bot: Bot, stop: asyncio.Event, *,
                  extra_setups: Iterable[WebSetup] = (), drain_seconds: float = DRAIN_SECONDS,
                  polling_timeout: int = POLLING_TIMEOUT_SECONDS,
                  ready: asyncio.Future[RunningBot] | None = None) -> None:
    """Run until `stop` is set; `ready` (if given) gets the RunningBot once updates flow."""
    telegram = runtime.settings.telegram
    metrics, intake = BotMetrics(), UpdateIntake()
    dispatcher = wire_dispatcher(runtime, metrics, intake)
    running = RunningBot(runtime, bot, dispatcher, metrics, intake)
    webhook = telegram.mode == "webhook"
    app = create_web_app(runtime, dispatcher=dispatcher if webhook else None,
                         bot=bot if webhook else None, extra_setups=extra_setups,
                         metrics=metrics)
    startup_emitted = False
    try:
        running.web = await start_web_app(app, telegram.webhook_host, telegram.webhook_port,
                                          shutdown_timeout=drain_seconds)
        await recover(running)

        def started() -> None:
            if ready is not None and not ready.done():
                ready.set_result(running)

        if webhook:
            # Polling emits the Dispatcher's startup and shutdown itself; here it is ours.
            await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)
            startup_emitted = True
            await run_webhook(bot, dispatcher, telegram, stop, started=started)
        else:
            await run_polling(bot, dispatcher, intake, stop, drain_seconds=drain_seconds,
                              polling_timeout=polling_timeout, started=started)
    finally:
        if running.web is not None:
            await running.web.cleanup()  # webhook mode: waits for the requests in progress
        await intake.drain(drain_seconds)
        if startup_emitted:
            await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)
        if ready is not None and not ready.done():
            ready.cancel()
