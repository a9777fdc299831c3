"""Scheduled housekeeping: stale bot sessions, idle conversations, buyers' trust scores.

The first two reuse `storage.maintenance` (batched, `SKIP LOCKED`), which works on an engine:
the job takes `deps.engine`, or the engine its session factory is bound to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.conversation.outbox import OutboundMessage
from agents.domain.buyer_trust import BuyerRecord, trust_score
from config.settings import Settings
from storage.database import unit_of_work
from storage.maintenance import archive_idle_conversations as archive_conversations
from storage.maintenance import cutoff, delete_stale_sessions
from storage.models import Buyer, Conversation, ConversationKind

if TYPE_CHECKING:
    from agents.jobs.deps import JobDeps

log = structlog.get_logger(__name__)


def _engine(factory: async_sessionmaker[AsyncSession], deps: JobDeps) -> AsyncEngine:
    if deps.engine is not None:
        return deps.engine
    bind = factory.kw.get("bind")
    if isinstance(bind, AsyncEngine):
        return bind
    raise RuntimeError("the clean-up jobs need an engine (JobDeps.engine or an engine-bound "
                       "session factory)")


async def clean_bot_sessions(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    """Delete bot sessions idle for longer than `scheduler.session_cleanup_days`."""
    deleted = await delete_stale_sessions(
        _engine(factory, deps), cutoff(settings.scheduler.session_cleanup_days, now=now))
    log.info("job.sessions_deleted", count=deleted)
    return []


async def archive_idle_conversations(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    """Archive conversations idle for longer than `scheduler.archive_after_days`."""
    archived = await archive_conversations(
        _engine(factory, deps), cutoff(settings.scheduler.archive_after_days, now=now))
    log.info("job.conversations_archived", count=archived)
    return []


async def recompute_trust_scores(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    """Every buyer's trust score and conversation count, from what is on record."""
    async with unit_of_work(factory, actor="job:trust_scores") as session:
        kinds: dict[object, list[str]] = defaultdict(list)
        flagged = await session.execute(
            select(Conversation.buyer_id, Conversation.fraud_signals)
            .where(Conversation.buyer_id.is_not(None),
                   func.jsonb_array_length(Conversation.fraud_signals) > 0))
        for buyer_id, signals in flagged.all():
            kinds[buyer_id] += [str(kind) for kind in signals or []]
        chats = dict((await session.execute(
            select(Conversation.buyer_id, func.count())
            .where(Conversation.kind == ConversationKind.BUYER_CHAT,
                   Conversation.buyer_id.is_not(None))
            .group_by(Conversation.buyer_id))).all())
        changed = 0
        for buyer in (await session.scalars(select(Buyer).with_for_update(skip_locked=True))):
            verdict = trust_score(BuyerRecord(
                purchases=buyer.purchase_count, verified=buyer.is_verified,
                fraud_kinds=tuple(kinds.get(buyer.id, ())), blocked=buyer.is_blocked))
            count = int(chats.get(buyer.id, 0))
            if (verdict.score, verdict.blocked, count) != (
                    buyer.trust_score, buyer.is_blocked, buyer.conversation_count):
                buyer.trust_score, buyer.is_blocked = verdict.score, verdict.blocked
                buyer.conversation_count = count
                changed += 1
    log.info("job.trust_scores", changed=changed)
    return []
