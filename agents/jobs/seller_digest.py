"""The daily digest each seller gets: views, new conversations, offers and sales of the last day.

Sellers with nothing on sale and nothing happening get none. A digest is stored with its date
(`entities.digest`), so a second run on the same day (another worker, a restart) sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.conversation.outbox import OutboundMessage
from agents.jobs.job_notices import notice, notify_seller
from config.settings import Settings
from storage.database import unit_of_work
from storage.models import (
    Conversation,
    ConversationKind,
    Message,
    Offer,
    OfferParty,
    Product,
    ProductStatus,
    Seller,
)

if TYPE_CHECKING:
    from agents.jobs.deps import JobDeps

DIGEST_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class SellerFigures:
    views: int
    on_sale: int
    conversations: int
    offers: int
    sales: int
    revenue: Decimal
    currency: str

    @property
    def worth_sending(self) -> bool:
        return bool(self.on_sale or self.conversations or self.offers or self.sales)


async def seller_figures(session: AsyncSession, seller_id: object, since: datetime
                         ) -> SellerFigures:
    own = Product.seller_id == seller_id
    views, on_sale = (await session.execute(
        select(func.coalesce(func.sum(Product.views_count), 0),
               func.count().filter(Product.status.in_([ProductStatus.PUBLISHED,
                                                       ProductStatus.RESERVED])))
        .where(own))).one()
    conversations = await session.scalar(
        select(func.count()).select_from(Conversation)
        .join(Product, Product.id == Conversation.product_id)
        .where(own, Conversation.kind == ConversationKind.BUYER_CHAT,
               Conversation.created_at >= since))
    offers = await session.scalar(
        select(func.count()).select_from(Offer).join(Product, Product.id == Offer.product_id)
        .where(own, Offer.made_by == OfferParty.BUYER, Offer.created_at >= since))
    sales, revenue, currency = (await session.execute(
        select(func.count(), func.coalesce(func.sum(Product.sold_price), 0),
               func.max(Product.currency))
        .where(own, Product.status == ProductStatus.SOLD, Product.sold_at >= since))).one()
    return SellerFigures(views=int(views), on_sale=int(on_sale), conversations=int(conversations
                         or 0), offers=int(offers or 0), sales=int(sales),
                         revenue=Decimal(revenue), currency=currency or "EUR")


async def _already_sent(session: AsyncSession, seller: Seller, day: str) -> bool:
    found = await session.scalar(
        select(Message.id).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.kind == ConversationKind.SELLER_ASSISTANT,
               Conversation.seller_id == seller.id,
               Message.entities.contains({"digest": day})).limit(1))
    return found is not None


async def send_seller_digests(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    day = now.date().isoformat()
    since = now - DIGEST_WINDOW
    sent: list[OutboundMessage] = []
    async with unit_of_work(factory, actor="job:seller_digest") as session:
        sellers = (await session.scalars(
            select(Seller).where(Seller.is_active.is_(True)).order_by(Seller.created_at))).all()
        for seller in sellers:
            if await _already_sent(session, seller, day):
                continue
            figures = await seller_figures(session, seller.id, since)
            if not figures.worth_sending:
                continue
            revenue = notice("digest_revenue", seller.language,
                             amount=(figures.revenue, figures.currency)) if figures.sales else ""
            out = await notify_seller(
                session, seller.id, "digest", now=now, entities={"digest": day},
                views=figures.views, conversations=figures.conversations,
                offers=figures.offers, sales=figures.sales, revenue=revenue)
            sent += [out] if out else []
    return sent
