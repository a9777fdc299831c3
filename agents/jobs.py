"""Time-driven work on stored data, as plain async functions of (session factory, settings, now).

The scheduler (APScheduler) runs them on intervals; the replay runner's `advance` runs them at
once with the moved clock. Each returns the notifications it stored, for the channel to send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.conversation_state import ABANDON_AFTER
from agents.negotiating import expire_reservations
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
)

Job = Callable[[async_sessionmaker[AsyncSession], Settings, datetime], Any]


async def expire_unconfirmed_reservations(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
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
            ):
                out = await deliver_notification(session, notification, now=now,
                                                 buyer_conversation=conversation)
                if out is not None:
                    sent.append(out)
    return sent


async def mark_abandoned_conversations(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> list[OutboundMessage]:
    """Buyer chats silent for 48 h (and not closed) become abandoned."""
    async with unit_of_work(factory, actor="job:abandon") as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.kind == ConversationKind.BUYER_CHAT,
                   Conversation.status == ConversationStatus.ACTIVE,
                   Conversation.state.not_in([ConversationState.CLOSED,
                                              ConversationState.ABANDONED]),
                   Conversation.last_message_at < now - ABANDON_AFTER)
            .values(state=ConversationState.ABANDONED)
        )
    return []


DUE_JOBS: tuple[Job, ...] = (expire_unconfirmed_reservations, mark_abandoned_conversations)


async def run_due_jobs(factory: async_sessionmaker[AsyncSession], settings: Settings,
                       now: datetime) -> list[OutboundMessage]:
    """Every time-driven job once, at `now` (what the replay runner's `advance` calls)."""
    sent: list[OutboundMessage] = []
    for job in DUE_JOBS:
        sent.extend(await job(factory, settings, now) or [])
    return sent

