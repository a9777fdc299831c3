"""Time-driven work on stored data, as plain async functions of (session factory, settings, now).

The scheduler (APScheduler, bot/scheduling.py) runs them on intervals; the replay runner's
`advance` runs the due ones at once with the moved clock. Each returns the messages it stored,
for the channel to send. `now` is always given, never read from the system clock, so a test or
a transcript moves time instead of sleeping. Jobs that reach a marketplace or need an engine
take them from `deps`; without them they do nothing.

`JOBS` names every job; the scheduler registers them under these ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents import housekeeping_jobs, marketplace_jobs, seller_digest
from agents.job_notices import notify_buyer, notify_seller
from agents.negotiating import back_on_sale_notices, expire_reservations
from agents.outbox import OutboundMessage, deliver_notification
from agents.turn_context import Notification
from config.settings import Settings
from storage.database import unit_of_work
from storage.models import (
    Buyer,
    Conversation,
    ConversationKind,
    ConversationState,
    ConversationStatus,
    Offer,
    OfferStatus,
    Product,
)

if TYPE_CHECKING:
    from agents.marketplace_questions import MarketplaceQuestions
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


async def expire_unconfirmed_reservations(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps = NO_DEPS,
) -> list[OutboundMessage]:
    """Deals the seller did not confirm in time go back on sale; both sides are told."""
    sent: list[OutboundMessage] = []
    async with unit_of_work(factory, actor="job:expire_reservations") as session:
        for offer, product in await expire_reservations(session, now):
            buyer = await session.get(Buyer, offer.buyer_id)
            conversation = await session.get(Conversation, offer.conversation_id)
            for notification in (
                Notification("reservation_expired_buyer", {"title": product.title or ""},
                             buyer_id=offer.buyer_id, conversation_id=offer.conversation_id),
                Notification("reservation_expired_seller",
                             {"title": product.title or "", "buyer": buyer.name if buyer else "?"},
                             seller_id=product.seller_id),
                *await back_on_sale_notices(session, product,
                                            except_conversation_id=offer.conversation_id,
                                            defaults=settings.negotiation, now=now),
            ):
                out = await deliver_notification(session, notification, now=now,
                                                 buyer_conversation=conversation)
                if out is not None:
                    sent.append(out)
    return sent


async def expire_pending_offers(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps = NO_DEPS,
) -> list[OutboundMessage]:
    """Offers nobody answered within the reservation window expire; both sides are told.

    An offer with its own `expires_at` expires then; one without, that long after it was made.
    """
    lifetime = timedelta(minutes=settings.negotiation.reservation_minutes)
    sent: list[OutboundMessage] = []
    async with unit_of_work(factory, actor="job:expire_offers") as session:
        offers = (await session.scalars(
            select(Offer).where(
                Offer.status == OfferStatus.PENDING,
                or_(and_(Offer.expires_at.is_not(None), Offer.expires_at <= now),
                    and_(Offer.expires_at.is_(None), Offer.created_at <= now - lifetime)))
            .order_by(Offer.created_at).with_for_update(skip_locked=True))).all()
        for offer in offers:
            offer.status, offer.responded_at = OfferStatus.EXPIRED, now
            product = await session.get(Product, offer.product_id)
            conversation = await session.get(Conversation, offer.conversation_id)
            buyer = await session.get(Buyer, offer.buyer_id)
            if product is None or conversation is None:
                continue
            amount, title = (offer.amount, offer.currency), product.title or ""
            for out in (
                await notify_buyer(session, conversation, "offer_expired_buyer", now=now,
                                   amount=amount, title=title),
                await notify_seller(session, product.seller_id, "offer_expired_seller", now=now,
                                    amount=amount, title=title,
                                    buyer=buyer.name if buyer else "?"),
            ):
                sent += [out] if out else []
    return sent


async def mark_abandoned_conversations(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps = NO_DEPS,
) -> list[OutboundMessage]:
    """Buyer chats silent for `scheduler.abandon_after_hours` (and not closed) become abandoned."""
    silence = timedelta(hours=settings.scheduler.abandon_after_hours)
    async with unit_of_work(factory, actor="job:abandon") as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.kind == ConversationKind.BUYER_CHAT,
                   Conversation.status == ConversationStatus.ACTIVE,
                   Conversation.state.not_in([ConversationState.CLOSED,
                                              ConversationState.ABANDONED]),
                   Conversation.last_message_at < now - silence)
            .values(state=ConversationState.ABANDONED)
        )
    return []


JOBS: dict[str, Job] = {
    "refresh_marketplace_tokens": marketplace_jobs.refresh_marketplace_tokens,
    "sync_publications": marketplace_jobs.sync_publications,
    "poll_marketplace_questions": marketplace_jobs.poll_marketplace_questions,
    "expire_reservations": expire_unconfirmed_reservations,
    "expire_offers": expire_pending_offers,
    "mark_abandoned_conversations": mark_abandoned_conversations,
    "clean_bot_sessions": housekeeping_jobs.clean_bot_sessions,
    "archive_idle_conversations": housekeeping_jobs.archive_idle_conversations,
    "recompute_trust_scores": housekeeping_jobs.recompute_trust_scores,
    "seller_digest": seller_digest.send_seller_digests,
}

# What moving the clock makes due at once (database only). Silence is judged first: the expiry
# notices of this run are activity and would otherwise keep a silent chat alive.
DUE_JOBS: tuple[Job, ...] = (mark_abandoned_conversations, expire_unconfirmed_reservations,
                             expire_pending_offers)


async def run_job(name: str, factory: async_sessionmaker[AsyncSession], settings: Settings,
                  now: datetime, deps: JobDeps = NO_DEPS) -> list[OutboundMessage]:
    """One job by its id (KeyError for an unknown one)."""
    return await JOBS[name](factory, settings, now, deps) or []


async def run_due_jobs(factory: async_sessionmaker[AsyncSession], settings: Settings,
                       now: datetime) -> list[OutboundMessage]:
    """Every time-driven job once, at `now` (what the replay runner's `advance` calls)."""
    sent: list[OutboundMessage] = []
    for job in DUE_JOBS:
        sent.extend(await job(factory, settings, now, NO_DEPS) or [])
    return sent
