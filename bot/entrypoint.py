"""Start everything the bot needs, run it, and stop it cleanly on Ctrl-C.

No DATABASE_URL / REDIS_URL: embedded PostgreSQL and Redis. No TELEGRAM_BOT_TOKEN: the local
Bot API server with its chat page. Then migrate, answer what a crash left unanswered, and poll
(or serve the webhook).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from aiohttp import web

from config.logging import configure_logging
from config.settings import Settings, SettingsError, load_settings
from storage.database import unit_of_work
from storage.embedded import EmbeddedServices

log = structlog.get_logger(__name__)


async def migrate(database_url: str) -> None:
    from storage.database import create_engine
    from storage.migrations import upgrade

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await upgrade(connection)
            await connection.commit()
    finally:
        await engine.dispose()


def local_api_loaders(runtime: Any) -> dict[str, Any]:
    """The chat page's fixture and sample-data buttons, wired to the database."""
    from agents.fixtures import load_fixtures
    from storage.sample_loader import load_sample_data

    async def fixtures(payload: dict[str, Any]) -> dict[str, Any]:
        async with unit_of_work(runtime.session_factory, actor="local-page") as session:
            return await load_fixtures(session, payload)

    async def sample() -> dict[str, Any]:
        from sqlalchemy import select

        from storage.models import Product, ProductStatus

        await load_sample_data(runtime.session_factory)
        async with runtime.session_factory() as session:
            rows = (await session.scalars(select(Product).where(
                Product.status == ProductStatus.PUBLISHED).limit(20))).all()
        return {"products": {p.title: {"id": str(p.id), "start": p.public_ref} for p in rows}}

    return {"fixtures_loader": fixtures, "sample_data_loader": sample}


async def serve(settings: Settings, stop: asyncio.Event, *,
                extra_setups: Iterable[Callable[[web.Application], None]] = ()) -> None:
    from bot.factory import LOCAL_TOKEN, create_bot
    from bot.garbage_collection import settle_after_startup
    from bot.marketplace_runtime import marketplace_features
    from bot.runners import run_bot
    from bot.runtime import build_runtime

    services = EmbeddedServices(settings)
    urls = await services.start()
    local_runner: web.AppRunner | None = None
    try:
        await migrate(urls.database_url)
        runtime = await build_runtime(settings, database_url=urls.database_url,
                                      redis_url=urls.redis_url)
        ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            token = settings.telegram.bot_token
            if token is None:
                import time

                from bot.devtools.local_api import LocalBotApi
                from bot.devtools.local_api.server import start_local_api

                state = LocalBotApi(id_base=(int(time.time()) - 1_700_000_000) * 1000)
                local_runner, base_url, _ = await start_local_api(
                    settings.telegram.local_api_host, settings.telegram.local_api_port,
                    state=state, **local_api_loaders(runtime))
                bot = create_bot(LOCAL_TOKEN, base_url)
                # Said once updates flow and /healthz answers, not when the page does: start-up
                # goes on for seconds after it (jobs, web server, recovery).
                ready.add_done_callback(lambda done: done.cancelled() or print(
                    f"marketbot is running: open {base_url}/ to chat as a seller and a buyer "
                    "(Ctrl-C stops)", flush=True))
            else:
                bot = create_bot(token.get_secret_value(), settings.telegram.api_base_url)
            try:
                # Marketplaces (OAuth callback, notifications webhook) and the scheduled jobs.
                async with marketplace_features(runtime, bot) as marketplace_setups:
                    settle_after_startup()
                    # Polls (or serves the webhook) until `stop`, then lets updates in
                    # progress finish.
                    await run_bot(runtime, bot, stop, ready=ready,
                                  extra_setups=[*extra_setups, *marketplace_setups])
            finally:
                await bot.session.close()  # after the scheduled jobs stopped sending
        finally:
            await runtime.close()
    finally:
        if local_runner is not None:
            await local_runner.cleanup()
        services.stop()


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    configure_logging(settings.logging)

    from bot.runners.webhook import webhook_problem

    if problem := webhook_problem(settings.telegram):
        print(problem, file=sys.stderr)
        sys.exit(2)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        main_task = asyncio.current_task()

        def on_signal() -> None:
            # The first signal stops gracefully; a second one stops now.
            if stop.is_set() and main_task is not None:
                main_task.cancel()
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        await serve(settings, stop)

    try:
        asyncio.run(run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    except OSError as exc:  # a port in use, a server that cannot be reached
        print(f"marketbot could not run: {exc}", file=sys.stderr)
        sys.exit(1)
    print("marketbot stopped.", flush=True)
