"""One running bot, either mode: Dispatcher, metrics, web server, recovery, then poll or serve
the webhook until told to stop; then a graceful shutdown.

Shutdown order: stop taking updates (polling stops its `getUpdates`; the web server stops
accepting requests), let the updates in progress finish (bounded by `drain_seconds`), then close
the web server. The runtime and the bot belong to the caller, who closes them (the bot's session
after whatever else still sends through it, such as scheduled jobs).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.app_runtime import AppRuntime
from bot.job_queue import JobQueue
from bot.metrics import BotMetrics
from bot.runners.intake import UpdateIntake
from bot.runners.polling import POLLING_TIMEOUT_SECONDS, run_polling
from bot.runners.webhook import run_webhook
from bot.web_server import WebSetup, create_web_app, start_web_app

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 20.0
WORKER_RESTART_SECONDS = 1.0
WORKER_STEADY_SECONDS = 60.0  # a worker that ran this long before stopping had been working
WORKER_QUICK_STOPS_ALARM = 5  # this many quick stops in a row are logged as an error


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
    """Hand to the job queue what a crash left unfinished: updates not handled, inbound messages
    not answered, replies not delivered. The queue's worker answers them, a few at a time and
    each chat in order, beside the new updates; returns how many jobs were deferred."""
    from bot.job_tasks import sweep

    try:
        deferred = await sweep(running.runtime, timedelta(0))
    except Exception as exc:  # the periodic sweep tries again
        log.error("recovery.failed", error=repr(exc))
        return 0
    if deferred:
        log.info("recovery.deferred", jobs=deferred)
    return deferred


@asynccontextmanager
async def job_worker(running: RunningBot) -> AsyncIterator[None]:
    """The job queue's worker, for as long as the bot runs; at the end the running jobs get a
    moment to finish."""
    from bot.job_tasks import ENVIRONMENT, JobEnvironment

    jobs = running.runtime.jobs
    if jobs is None:
        yield
        return
    environment = JobEnvironment(running.runtime, running.bot, running.dispatcher,
                                 running.metrics)
    worker = asyncio.create_task(_keep_working(jobs, {ENVIRONMENT: environment}))
    try:
        yield
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker


async def _keep_working(jobs: JobQueue, context: dict[str, object]) -> None:
    """Run the queue's worker until cancelled; if it stops (the database went away under it),
    start it again. Procrastinate's worker also returns without raising when its listener
    fails, so a return is a stop like an exception."""
    quick_stops = 0
    while True:
        started = time.monotonic()
        try:
            await jobs.run_worker(context)
            failure: Exception | None = None
        except Exception as exc:
            failure = exc
        # One stop (the database blinked) is recovered by the restart; a worker that keeps
        # stopping as soon as it starts is an operator's problem.
        quick_stops = quick_stops + 1 if time.monotonic() - started < WORKER_STEADY_SECONDS \
            else 1
        report = log.error if quick_stops >= WORKER_QUICK_STOPS_ALARM else log.warning
        report("jobs.worker_restarting", stops_in_a_row=quick_stops,
               error=repr(failure) if failure else None)
        await asyncio.sleep(WORKER_RESTART_SECONDS)


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
    recovery: asyncio.Task[int] | None = None
    async with job_worker(running):
        try:
            running.web = await start_web_app(app, telegram.webhook_host,
                                              telegram.webhook_port,
                                              shutdown_timeout=drain_seconds)
            recovery = asyncio.create_task(recover(running))  # new updates do not wait for it

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
            if recovery is not None and not recovery.done():
                recovery.cancel()
            if running.web is not None:
                await running.web.cleanup()  # webhook mode: waits for requests in progress
            await intake.drain(drain_seconds)
            if startup_emitted:
                await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)
            if ready is not None and not ready.done():
                ready.cancel()
