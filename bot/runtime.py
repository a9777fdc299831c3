"""Building what a running bot shares (`AppRuntime`, bot/app_runtime.py) from settings: engine,
Redis, agents, service, job queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from sqlalchemy.ext.asyncio import async_sessionmaker

from agents.conversation.conversation_service import ConversationService, utc_now
from agents.llm.agent_factory import Agents, build_agents
from agents.llm.listing_writer import GeminiListingWriter, ListingWriter, RuleBasedListingWriter
from agents.llm.model_factory import create_chat_model
from bot.app_runtime import AppRuntime
from bot.job_queue import JobQueue
from bot.job_tasks import register_tasks
from config.settings import Settings
from integrations.media_store import MediaStore
from storage.conversation_lock import ConversationLock
from storage.database import create_engine, create_session_factory
from storage.rate_limiter import RateLimiter
from storage.redis_client import create_redis
from storage.redis_keys import KeySpace
from storage.sample_images import DEFAULT_MEDIA_ROOT


def build_agent_set(settings: Settings, model: BaseChatModel | None = None,
                    media: MediaStore | None = None) -> tuple[Agents, ListingWriter]:
    """Agents and listing writer for the configured provider.

    Gemini gets the offline model as its fallback, and writes listings itself (photos as image
    parts, structured output); the other providers write listings with the rules.
    """
    from agents.llm.models.offline import OfflineChatModel

    chosen = model or create_chat_model(settings.llm)
    gemini = settings.llm.resolved_provider() == "gemini" and model is None
    fallback = OfflineChatModel() if gemini else None
    writer: ListingWriter = (GeminiListingWriter(chosen, settings.llm, media=media) if gemini
                             else RuleBasedListingWriter())
    return build_agents(chosen, settings.llm, fallback=fallback), writer


async def build_runtime(
    settings: Settings, *, database_url: str, redis_url: str, model: BaseChatModel | None = None,
    clock: Callable[[], datetime] = utc_now, session_factory: async_sessionmaker | None = None,
    key_prefix: str | None = None, media_dir: Path | None = None,
) -> AppRuntime:
    engine = create_engine(database_url, settings.database)
    factory = session_factory or create_session_factory(engine)
    redis = create_redis(redis_url)
    keys = KeySpace(key_prefix or settings.redis.key_prefix)
    media_dir = media_dir or DEFAULT_MEDIA_ROOT
    agents, listing_writer = build_agent_set(settings, model, MediaStore(media_dir))
    lock = ConversationLock(redis, keys, timeout=settings.redis.lock_timeout_seconds,
                            wait=settings.redis.lock_timeout_seconds)
    service = ConversationService(session_factory=factory, settings=settings, agents=agents,
                                  clock=clock, lock=lock, listing_writer=listing_writer)
    limiter = RateLimiter(redis, keys, per_actor=settings.redis.rate_limit_per_actor,
                          global_limit=settings.redis.rate_limit_global,
                          window_seconds=settings.redis.rate_limit_window_seconds,
                          unavailable_policy=settings.redis.unavailable_policy)
    return AppRuntime(settings=settings, engine=engine, session_factory=factory, redis=redis,
                      keys=keys, agents=agents, service=service, limiter=limiter, clock=clock,
                      media_dir=media_dir, jobs=JobQueue(database_url, register_tasks))
