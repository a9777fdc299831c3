"""What one runner process shares between files: PostgreSQL and Redis, the migrated template,
the local Bot API server and the aiogram `Bot` pointed at it.

`ReplayEnvironment.open(settings)` starts the embedded servers for what the settings do not
configure (or takes explicit URLs, as the test suite does), and `close()` stops what it started.
`feed(dispatcher)` fetches the queued updates with `getUpdates` over HTTP and feeds each one to
the Dispatcher, so a turn is finished when it returns.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.devtools.replay.databases import ReplayDatabases
from bot.factory import LOCAL_TOKEN, create_bot
from config.settings import Settings
from storage.embedded import EmbeddedServices
from storage.redis_client import create_redis


@dataclass
class ReplayEnvironment:
    settings: Settings
    database_url: str
    redis_url: str
    databases: ReplayDatabases
    api: LocalBotApi
    bot: Bot
    redis: aioredis.Redis
    _runner: web.AppRunner
    _services: EmbeddedServices | None = None
    _offset: int = 0

    @classmethod
    async def open(cls, settings: Settings, *, database_url: str | None = None,
                   redis_url: str | None = None) -> ReplayEnvironment:
        services: EmbeddedServices | None = None
        if database_url is None or redis_url is None:
            services = EmbeddedServices(settings)
            urls = await services.start()
            database_url = database_url or urls.database_url
            redis_url = redis_url or urls.redis_url
        try:
            databases = ReplayDatabases(database_url)
            await databases.prepare_template()
            runner, base_url, api = await start_local_api("127.0.0.1", 0, state=LocalBotApi())
        except BaseException:
            if services is not None:
                services.stop()
            raise
        return cls(settings=settings, database_url=database_url, redis_url=redis_url,
                   databases=databases, api=api, bot=create_bot(LOCAL_TOKEN, base_url),
                   redis=create_redis(redis_url), _runner=runner, _services=services)

    def new_key_prefix(self) -> str:
        return f"replay:{uuid.uuid4().hex[:12]}:"

    async def forget_keys(self, prefix: str) -> None:
        keys = [key async for key in self.redis.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await self.redis.delete(*keys)

    async def feed(self, dispatcher: Dispatcher) -> int:
        """Fetch every queued update (real getUpdates) and let the Dispatcher handle each."""
        handled = 0
        while True:
            updates = await self.bot.get_updates(offset=self._offset or None, timeout=0)
            if not updates:
                return handled
            for update in updates:
                self._offset = update.update_id + 1
                await dispatcher.feed_update(self.bot, update)
                handled += 1

    @classmethod
    @asynccontextmanager
    async def running(cls, settings: Settings, **urls: str | None
                      ) -> AsyncIterator[ReplayEnvironment]:
        env = await cls.open(settings, **urls)
        try:
            yield env
        finally:
            await env.close()

    async def close(self) -> None:
        try:
            await self.databases.close()
            await self.bot.session.close()
            await self.redis.aclose()
            await self._runner.cleanup()
        finally:
            if self._services is not None:
                self._services.stop()
