"""Offers: the buyer's, the bot's counters and the seller's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Offer, OfferParty, OfferStatus


async def in_conversation(session: AsyncSession, conversation_id: uuid.UUID) -> Sequence[Offer]:
    return (await session.scalars(
        select(Offer).where(Offer.conversation_id == conversation_id)
        .order_by(Offer.created_at, Offer.id)
    )).all()


async def bot_counters(session: AsyncSession, conversation_id: uuid.UUID) -> list[Decimal]:
    rows = await session.scalars(
        select(Offer.amount).where(Offer.conversation_id == conversation_id,
                                   Offer.made_by == OfferParty.BOT)
        .order_by(Offer.created_at, Offer.id)
    )
    return list(rows)


async def standing_counter(session: AsyncSession, conversation_id: uuid.UUID) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.conversation_id == conversation_id,
                            Offer.made_by == OfferParty.BOT, Offer.status == OfferStatus.PENDING)
        .order_by(Offer.created_at.desc()).limit(1)
    )


async def recorded_amounts(session: AsyncSession, conversation_id: uuid.UUID) -> set[Decimal]:
    rows = await session.scalars(select(Offer.amount)
                                 .where(Offer.conversation_id == conversation_id))
    return set(rows)


async def agreed_amounts(session: AsyncSession, conversation_id: uuid.UUID) -> set[Decimal]:
    """Amounts the bot actually agreed to in this conversation (accepted offers)."""
    rows = await session.scalars(select(Offer.amount).where(
        Offer.conversation_id == conversation_id, Offer.status == OfferStatus.ACCEPTED))
    return set(rows)


async def accepted_for_product(session: AsyncSession, product_id: uuid.UUID) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.product_id == product_id, Offer.status == OfferStatus.ACCEPTED)
    )


async def get(session: AsyncSession, offer_id: uuid.UUID) -> Offer | None:
    return await session.scalar(select(Offer).where(Offer.id == offer_id))


async def close_pending(session: AsyncSession, conversation_id: uuid.UUID, *,
                        status: OfferStatus, at: datetime) -> None:
    """Settle every open offer of the conversation (a new round supersedes them)."""
    await session.execute(
        update(Offer).where(Offer.conversation_id == conversation_id,
                            Offer.status == OfferStatus.PENDING)
        .values(status=status, responded_at=at)
    )


async def expired_reservations(session: AsyncSession, now: datetime) -> Sequence[Offer]:
    return (await session.scalars(
        select(Offer).where(Offer.status == OfferStatus.ACCEPTED, Offer.confirmed_at.is_(None),
                            Offer.expires_at.is_not(None), Offer.expires_at <= now)
    )).all()
