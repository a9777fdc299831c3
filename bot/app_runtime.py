"""What a running bot shares, built once from settings by bot/runtime.py: engine, Redis,
agents, service, job queue. A leaf: the modules that take a runtime import it from here, so
they need nothing of the builder (which imports the job tasks, which import them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.conversation.conversation_service import ConversationService
from agents.llm.agent_factory import Agents
from bot.job_queue import JobQueue
from config.settings import Settings
from storage.rate_limiter import RateLimiter
from storage.redis_keys import KeySpace


@dataclass
class AppRuntime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    keys: KeySpace
    agents: Agents
    service: ConversationService
    limiter: RateLimiter
    clock: Callable[[], datetime]
    media_dir: Path
    jobs: JobQueue | None = None  # the job queue (procrastinate), on the same database

    async def close(self) -> None:
        if self.jobs is not None:
            await self.jobs.close()
        await self.redis.aclose()
        await self.engine.dispose()
