"""Fixtures for the scheduled jobs: the injected clock, a marketplace world, mocked HTTP, and
builders for the rows the jobs look at (sellers, buyers, products, chats, offers)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from storage.models import (
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    ProductStatus,
    Seller,
)
from tests.marketplaces.conftest import (  # noqa: F401 - shared
    clock,
    local_ml,
    ml_settings,
    ml_world,
    mocked,
    world,
)


class Rows:
    """Adds rows in the test's transaction; times are given, never read from the system."""

    def __init__(self, session) -> None:
        self.session = session
        self.counter = 0

    async def add(self, row: Any) -> Any:
        self.session.add(row)
        await self.session.flush()
        return row

    async def seller(self, **values: Any) -> Seller:
        self.counter += 1
        return await self.add(Seller(telegram_id=6000 + self.counter, name="Ana", **values))

    async def buyer(self, **values: Any) -> Buyer:
        self.counter += 1
        values.setdefault("name", "Luis")
        return await self.add(Buyer(telegram_id=7000 + self.counter, **values))

    async def product(self, seller: Seller, **values: Any) -> Product:
        values.setdefault("status", ProductStatus.PUBLISHED)
        values.setdefault("title", "Bicicleta Trek Marlin 5")
        values.setdefault("price", Decimal("350"))
        values.setdefault("currency", "EUR")
        return await self.add(Product(seller_id=seller.id, **values))

    async def chat(self, product: Product, buyer: Buyer, **values: Any) -> Conversation:
        self.counter += 1
        return await self.add(Conversation(
            channel=Channel.TELEGRAM, external_chat_id=str(buyer.telegram_id),
            kind=ConversationKind.BUYER_CHAT, product_id=product.id, buyer_id=buyer.id,
            seller_id=product.seller_id, **values))

    async def offer(self, chat: Conversation, amount: str, *, made_by: OfferParty,
                    status: OfferStatus, created_at: datetime, **values: Any) -> Offer:
        assert chat.product_id is not None and chat.buyer_id is not None
        return await self.add(Offer(
            conversation_id=chat.id, product_id=chat.product_id, buyer_id=chat.buyer_id,
            amount=Decimal(amount), currency="EUR", made_by=made_by, status=status,
            created_at=created_at, **values))


@pytest.fixture
def rows(session) -> Rows:
    return Rows(session)
