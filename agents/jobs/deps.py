"""What a job is and what some jobs need beyond the database (marketplaces, the questions
desk, an engine). Its own module so the jobs and their registry (scheduled.py) both import it
without importing each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.conversation.outbox import OutboundMessage
from config.settings import Settings

if TYPE_CHECKING:
    from agents.jobs.marketplace_questions import MarketplaceQuestions
    from integrations.marketplaces import MarketplaceServices


@dataclass(frozen=True)
class JobDeps:
    """What some jobs need beyond the database: marketplaces, the questions desk, an engine."""

    marketplaces: MarketplaceServices | None = None
    questions: MarketplaceQuestions | None = None
    engine: AsyncEngine | None = None


NO_DEPS = JobDeps()
Job = Callable[[async_sessionmaker[AsyncSession], Settings, datetime, JobDeps],
               Awaitable[list[OutboundMessage]]]
