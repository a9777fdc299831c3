"""Offers: the buyer's, the bot's counters and the seller's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Offer, OfferParty, OfferStatus

if TYPE_CHECKING:
    from storage.repositories.turn_snapshot import OfferFacts

# Read on buyer turns: built once (see storage/repositories/turns.py).
_FIGURES = (select(Offer.amount, Offer.made_by, Offer.status)
            .where(Offer.conversation_id == bindparam("conversation_id"))
            .order_by(Offer.created_at, Offer.id))


@dataclass(frozen=True)
class OfferHistory:
    """A conversation's figures as the policy reads them, oldest first."""

    counters: list[Decimal]  # the bot's counters
    buyer_offers: list[Decimal]  # the buyer's offers


async def history(session: AsyncSession, conversation_id: uuid.UUID) -> OfferHistory:
    rows = (await session.execute(
        select(Offer.amount, Offer.made_by).where(Offer.conversation_id == conversation_id,
                                                  Offer.made_by != OfferParty.SELLER)
        .order_by(Offer.created_at, Offer.id))).all()
    return OfferHistory([a for a, by in rows if by is OfferParty.BOT],
                        [a for a, by in rows if by is OfferParty.BUYER])


async def standing_counter(session: AsyncSession, conversation_id: uuid.UUID) -> Offer | None:
    return await session.scalar(
        select(Offer).where(Offer.conversation_id == conversation_id,
                            Offer.made_by == OfferParty.BOT, Offer.status == OfferStatus.PENDING)
        .order_by(Offer.created_at.desc()).limit(1)
    )


@dataclass(frozen=True)
class OfferFigures:
    """A conversation's offer amounts as the outbound guard checks a reply against them."""

    recorded: set[Decimal]  # every amount any party named
    agreed: set[Decimal]  # accepted offers
    standing_counter: Decimal | None  # the bot's pending counter-offer, the latest one


async def figures(session: AsyncSession, conversation_id: uuid.UUID) -> OfferFigures:
    """The amounts the outbound guard needs, and `standing_counter`'s, in one round trip."""
    rows = (await session.execute(_FIGURES, {"conversation_id": conversation_id})).all()
    return figures_of(rows)


def figures_of(offers: Sequence[OfferFacts]) -> OfferFigures:
    """`figures` from offers already read (oldest first): the turn's, when no tool changed
    them."""
    return OfferFigures(
        recorded={offer.amount for offer in offers},
        agreed={offer.amount for offer in offers if offer.status is OfferStatus.ACCEPTED},
        standing_counter=next((offer.amount for offer in reversed(offers)
                               if offer.made_by is OfferParty.BOT
                               and offer.status is OfferStatus.PENDING), None))


def standing_counter_in(offers: Sequence[OfferFacts]) -> OfferFacts | None:
    """`standing_counter` among offers already read, oldest first (`turn_snapshot.read_turn`)."""
    return next((offer for offer in reversed(offers) if offer.made_by is OfferParty.BOT
                 and offer.status is OfferStatus.PENDING), None)


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
