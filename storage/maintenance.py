"""Routine clean-up: delete stale bot sessions, archive idle conversations.

Both work in batches, one short transaction per batch, so a large backlog never holds locks on
the live tables for long and a run interrupted half-way keeps what it already did. Rows locked
by the running bot are skipped (`SKIP LOCKED`) and picked up by the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Executable, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import BotSession, Conversation, ConversationStatus
from storage.progress import Progress, SilentProgress

DEFAULT_BATCH_SIZE = 500

# Blocked conversations keep their status: archiving would hide why the buyer was stopped.
ARCHIVABLE_STATUSES = (
    ConversationStatus.ACTIVE,
    ConversationStatus.COMPLETED,
    ConversationStatus.CANCELLED,
)


@dataclass(frozen=True)
class CleanupResult:
    sessions_deleted: int
    conversations_archived: int


def cutoff(days: int, *, now: datetime | None = None) -> datetime:
    """The moment `days` days before `now` (timezone-aware)."""
    return (now or datetime.now(UTC)) - timedelta(days=days)


def _stale_session(before: datetime) -> ColumnElement[bool]:
    return BotSession.last_activity_at < before


def _idle_conversation(before: datetime) -> ColumnElement[bool]:
    last_activity = func.coalesce(Conversation.last_message_at, Conversation.updated_at)
    return Conversation.status.in_(ARCHIVABLE_STATUSES) & (last_activity < before)


async def count_stale_sessions(engine: AsyncEngine, before: datetime) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(BotSession).where(_stale_session(before))
        return int((await conn.execute(query)).scalar_one())


async def count_idle_conversations(engine: AsyncEngine, before: datetime) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(Conversation).where(_idle_conversation(before))
        return int((await conn.execute(query)).scalar_one())


async def delete_stale_sessions(
    engine: AsyncEngine,
    before: datetime,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> int:
    """Delete bot sessions whose last activity is before `before`; returns how many."""
    progress = progress or SilentProgress()
    progress.begin("deleting stale bot sessions", await count_stale_sessions(engine, before))
    batch = (
        select(BotSession.id).where(_stale_session(before)).limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    statement = delete(BotSession).where(BotSession.id.in_(batch.scalar_subquery()))
    return await _run_batches(engine, statement.returning(BotSession.id), progress)


async def archive_idle_conversations(
    engine: AsyncEngine,
    before: datetime,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> int:
    """Set status `archived` on conversations with no activity since `before`; returns how many."""
    progress = progress or SilentProgress()
    progress.begin("archiving idle conversations", await count_idle_conversations(engine, before))
    batch = (
        select(Conversation.id).where(_idle_conversation(before)).limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Conversation)
        .where(Conversation.id.in_(batch.scalar_subquery()))
        .values(status=ConversationStatus.ARCHIVED, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return await _run_batches(engine, statement.returning(Conversation.id), progress)


async def _run_batches(engine: AsyncEngine, statement: Executable, progress: Progress) -> int:
    done = 0
    while True:
        async with engine.begin() as conn:
            changed = len((await conn.execute(statement)).all())
        if changed == 0:
            return done
        done += changed
        progress.advance(changed)


async def run_cleanup(
    engine: AsyncEngine,
    *,
    session_days: int,
    archive_days: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> CleanupResult:
    """Both clean-ups: sessions idle over `session_days`, conversations over `archive_days`."""
    deleted = await delete_stale_sessions(
        engine, cutoff(session_days, now=now), batch_size=batch_size, progress=progress
    )
    archived = await archive_idle_conversations(
        engine, cutoff(archive_days, now=now), batch_size=batch_size, progress=progress
    )
    return CleanupResult(sessions_deleted=deleted, conversations_archived=archived)
