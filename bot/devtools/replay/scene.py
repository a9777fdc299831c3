"""What one replay knows by name: the actors, the products (fixtures and `as` bindings) and
which product each actor has in focus.

Focus follows the format: for a buyer, the product whose chat it opened last (else its latest
product chat); for a seller, the product it created or acted on last (the service's own notion,
`products_repo.latest_for_seller`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.replay.driver import ActorInfo
from storage.models import Buyer, Conversation, ConversationKind, Product, Seller
from storage.repositories import products as products_repo


class SceneError(LookupError):
    """A name the transcript uses does not stand for anything (yet)."""


@dataclass
class Scene:
    session_factory: async_sessionmaker[AsyncSession]
    actors: dict[str, ActorInfo]
    products: dict[str, uuid.UUID] = field(default_factory=dict)
    buyer_focus: dict[str, uuid.UUID] = field(default_factory=dict)

    async def public_ref(self, name: str) -> str | None:
        product_id = self.products.get(name)
        if product_id is None:
            return None
        async with self.session_factory() as session:
            product = await session.get(Product, product_id)
            return product.public_ref if product else None

    async def seller_id(self, session: AsyncSession, name: str) -> uuid.UUID | None:
        actor = self.actors[name]
        return await session.scalar(select(Seller.id).where(
            Seller.telegram_id == actor.telegram_id))

    async def buyer_id(self, session: AsyncSession, name: str) -> uuid.UUID | None:
        actor = self.actors[name]
        return await session.scalar(select(Buyer.id).where(Buyer.telegram_id == actor.telegram_id))

    async def bind(self, session: AsyncSession, seller: str, name: str) -> uuid.UUID:
        """`as: NAME`: the product this seller created most recently."""
        seller_id = await self.seller_id(session, seller)
        product_id = None if seller_id is None else await session.scalar(
            select(Product.id).where(Product.seller_id == seller_id)
            .order_by(Product.created_at.desc()).limit(1))
        if product_id is None:
            raise SceneError(f"{seller} has no product to bind as {name!r}")
        self.products[name] = product_id
        return product_id

    def named(self, name: str) -> uuid.UUID:
        if name not in self.products:
            raise SceneError(f"product {name!r} was never bound (its `as` turn failed)")
        return self.products[name]

    async def focus(self, session: AsyncSession, actor: str) -> uuid.UUID:
        info = self.actors[actor]
        if info.role == "buyer":
            if actor in self.buyer_focus:
                return self.buyer_focus[actor]
            buyer_id = await self.buyer_id(session, actor)
            product_id = None if buyer_id is None else await session.scalar(
                select(Conversation.product_id).where(
                    Conversation.buyer_id == buyer_id,
                    Conversation.kind == ConversationKind.BUYER_CHAT,
                    Conversation.product_id.is_not(None))
                .order_by(Conversation.last_message_at.desc().nullslast()).limit(1))
            if product_id is None:
                raise SceneError(f"{actor} has no product in focus (no product chat opened)")
            return product_id
        seller_id = await self.seller_id(session, actor)
        product = None if seller_id is None else await products_repo.latest_for_seller(
            session, seller_id)
        if product is None:
            raise SceneError(f"{actor} has no product in focus")
        return product.id

    async def buyer_conversations(self, session: AsyncSession, buyer: str,
                                  product_id: uuid.UUID) -> list[uuid.UUID]:
        buyer_id = await self.buyer_id(session, buyer)
        if buyer_id is None:
            return []
        rows = await session.scalars(select(Conversation.id).where(
            Conversation.buyer_id == buyer_id, Conversation.product_id == product_id,
            Conversation.kind == ConversationKind.BUYER_CHAT))
        return list(rows)
