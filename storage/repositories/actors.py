"""Sellers and buyers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Buyer, Seller

_Actor = TypeVar("_Actor", Seller, Buyer)


async def seller_by_telegram_id(session: AsyncSession, telegram_id: int) -> Seller | None:
    return await session.scalar(select(Seller).where(Seller.telegram_id == telegram_id))


async def get_or_create_seller(
    session: AsyncSession, *, telegram_id: int, name: str, language: str = "es"
) -> Seller:
    return await _get_or_create(session, Seller, telegram_id, name, language)


async def buyer_by_telegram_id(session: AsyncSession, telegram_id: int) -> Buyer | None:
    return await session.scalar(select(Buyer).where(Buyer.telegram_id == telegram_id))


async def get_or_create_buyer(
    session: AsyncSession, *, telegram_id: int, name: str, language: str = "es"
) -> Buyer:
    return await _get_or_create(session, Buyer, telegram_id, name, language)


async def _get_or_create(session: AsyncSession, actor: type[_Actor], telegram_id: int,
                         name: str, language: str) -> _Actor:
    """Get, or insert-or-get in one statement, so two first messages at once make one actor."""
    by_id = select(actor).where(actor.telegram_id == telegram_id)
    existing = await session.scalar(by_id)
    if existing is not None:  # every message but an actor's first: one round trip, not two
        return existing
    await session.execute(
        insert(actor)
        .values(telegram_id=telegram_id, name=name[:120] or "?", language=_lang(language))
        .on_conflict_do_nothing(index_elements=[actor.telegram_id])
    )
    created = await session.scalar(by_id)
    assert created is not None
    return created


async def get_or_create_marketplace_buyer(
    session: AsyncSession, *, marketplace: str, user_id: str, name: str, language: str = "es"
) -> Buyer:
    await session.execute(
        insert(Buyer)
        .values(marketplace=marketplace, marketplace_user_id=user_id, name=name[:120] or "?",
                language=_lang(language))
        .on_conflict_do_nothing(index_elements=[Buyer.marketplace, Buyer.marketplace_user_id])
    )
    buyer = await session.scalar(
        select(Buyer).where(Buyer.marketplace == marketplace, Buyer.marketplace_user_id == user_id)
    )
    assert buyer is not None
    return buyer


async def set_buyer_trust(
    session: AsyncSession, buyer_id: uuid.UUID, *, trust_score: Decimal, blocked: bool | None = None
) -> None:
    values: dict[str, object] = {"trust_score": trust_score}
    if blocked is not None:
        values["is_blocked"] = blocked
    await session.execute(update(Buyer).where(Buyer.id == buyer_id).values(**values))


def _lang(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "es"


@dataclass(frozen=True)
class TelegramProfile:
    """What the channel needs to place a Telegram user, read in one round trip."""

    seller_language: str | None
    buyer_language: str | None
    in_product_chat: bool

    @property
    def is_seller(self) -> bool:
        return self.seller_language is not None


async def telegram_profile(session: AsyncSession, telegram_id: int) -> TelegramProfile:
    from storage.models import Channel, Conversation, ConversationKind

    seller_language = select(Seller.language).where(Seller.telegram_id == telegram_id)
    buyer_language = select(Buyer.language).where(Buyer.telegram_id == telegram_id)
    product_chat = select(Conversation.id).where(
        Conversation.channel == Channel.TELEGRAM,
        Conversation.external_chat_id == str(telegram_id),
        Conversation.kind == ConversationKind.BUYER_CHAT,
        Conversation.product_id.is_not(None))
    row = (await session.execute(select(
        seller_language.scalar_subquery(), buyer_language.scalar_subquery(),
        exists(product_chat)))).one()
    return TelegramProfile(row[0], row[1], bool(row[2]))
