"""The stack under test, in this process: embedded PostgreSQL and Redis, a throwaway database,
the runtime (agents built once, on the counting offline model), the local Bot API server, and
bots polling it: the real Dispatcher, or a bare aiogram echo bot to compare with.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from aiogram import Bot, Dispatcher, F
from aiogram.types import Message
from sqlalchemy.engine import make_url

from agents.fixtures import load_fixtures
from bot.app_runtime import AppRuntime
from bot.devtools.bench.probes import (
    CountingOfflineModel,
    DatabaseCounter,
    RedisCounter,
    TimedLocalBotApi,
)
from bot.devtools.local_api import start_local_api
from bot.entrypoint import migrate
from bot.factory import LOCAL_TOKEN, create_bot, create_dispatcher
from bot.garbage_collection import settle_after_startup
from bot.runtime import build_runtime
from config.settings import Settings
from storage.database import unit_of_work
from storage.embedded import EmbeddedServices

POLLING_TIMEOUT_SECONDS = 10
UNLIMITED = 10**9  # rate-limit settings that let every message through


def bench_settings(settings: Settings) -> Settings:
    """The settings the benchmark runs with: the embedded servers, the offline model, and the
    rate limits lifted (the limiter still runs, it just never says no)."""
    return settings.model_copy(update={
        "database": settings.database.model_copy(update={"url": None}),
        "redis": settings.redis.model_copy(update={
            "url": None, "rate_limit_per_actor": UNLIMITED, "rate_limit_global": UNLIMITED}),
        "llm": settings.llm.model_copy(update={"provider": "offline"}),
        "telegram": settings.telegram.model_copy(update={"bot_token": None}),
    })


@dataclass
class Stack:
    settings: Settings
    runtime: AppRuntime
    state: TimedLocalBotApi
    base_url: str
    model: CountingOfflineModel
    database: DatabaseCounter
    redis: RedisCounter
    admin_dsn: str  # another database on the same server, for the pg_stat_activity sampler
    database_url: str
    redis_url: str

    @property
    def database_name(self) -> str:
        return make_url(self.database_url).database or ""

    def pipeline_dispatcher(self) -> Dispatcher:
        return create_dispatcher(self.runtime)

    def bot(self) -> Bot:
        return create_bot(LOCAL_TOKEN, self.base_url)

    async def add_products(self, products: dict[str, dict[str, Any]],
                           sellers: dict[str, dict[str, Any]]) -> dict[str, str]:
        """Published products (fixture shape); returns each one's deep-link payload."""
        async with unit_of_work(self.runtime.session_factory, actor="bench") as session:
            loaded = await load_fixtures(session, {"sellers": sellers, "products": products})
        return {name: refs["start"] for name, refs in loaded["products"].items()}


def echo_dispatcher() -> Dispatcher:
    """The baseline: a bare aiogram bot that answers each text with itself."""
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return dispatcher


@contextlib.asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot, state: TimedLocalBotApi
                  ) -> AsyncIterator[None]:
    """The Dispatcher long-polling the local server for the duration of the block; at the end
    it first finishes what it started (a reply's notifications to sellers come after it)."""
    task = asyncio.create_task(dispatcher.start_polling(
        bot, handle_signals=False, close_bot_session=True,
        polling_timeout=POLLING_TIMEOUT_SECONDS))
    try:
        yield
        await state.wait_idle(quiet=0.3, timeout=10)
    finally:
        with contextlib.suppress(RuntimeError, TimeoutError):  # not started yet, or stuck
            await asyncio.wait_for(dispatcher.stop_polling(), POLLING_TIMEOUT_SECONDS + 5)
        task.cancel()  # a no-op once stopped
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()


def admin_dsn(services: EmbeddedServices) -> str:
    """A plain `postgresql://` DSN of the embedded server's `postgres` database."""
    assert services.postgres is not None
    return services.postgres.url("postgres").replace("postgresql+asyncpg://", "postgresql://", 1)


@contextlib.asynccontextmanager
async def throwaway_database(services: EmbeddedServices) -> AsyncIterator[str]:
    """A new database on the embedded server, migrated to head; dropped afterwards."""
    assert services.postgres is not None
    admin_url = admin_dsn(services)
    name = f"marketbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = services.postgres.url(name)
        try:
            await migrate(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def running_stack(settings: Settings) -> AsyncIterator[Stack]:
    """Everything but the bots; `settings` should come from `bench_settings`."""
    services = EmbeddedServices(settings)
    urls = await services.start()
    try:
        async with throwaway_database(services) as database_url:
            prefix = f"bench:{uuid.uuid4().hex[:10]}:"
            model = CountingOfflineModel()
            runtime = await build_runtime(settings, database_url=database_url,
                                          redis_url=urls.redis_url, model=model,
                                          key_prefix=prefix)
            with tempfile.TemporaryDirectory(prefix="marketbot-bench-") as media:
                runtime.media_dir = Path(media) / "data" / "media"
                runner, base_url, state = await start_local_api(
                    state=TimedLocalBotApi(request_log_size=1000))
                assert isinstance(state, TimedLocalBotApi)
                database = DatabaseCounter().attach(runtime.engine)
                settle_after_startup()  # as bot.entrypoint.serve does before serving
                try:
                    yield Stack(settings, runtime, state, base_url, model, database,
                                RedisCounter(runtime.redis), admin_dsn(services),
                                database_url, urls.redis_url)
                finally:
                    database.detach()
                    await runner.cleanup()
                    await _delete_keys(runtime, prefix)
                    await runtime.close()
    finally:
        services.stop()


async def _delete_keys(runtime: AppRuntime, prefix: str) -> None:
    keys = [key async for key in runtime.redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await runtime.redis.delete(*keys)
