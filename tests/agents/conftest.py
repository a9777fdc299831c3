"""Fixtures for the conversation service: real agents, real database, an injectable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from langchain_core.language_models import BaseChatModel

from agents.conversation.conversation_service import ConversationService, InboundEvent, Sender
from agents.llm.agent_factory import build_agents
from storage.models import Channel, Condition, MessageType, Product, ProductStatus, Seller


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_service(session_factory, settings, clock) -> Callable[..., ConversationService]:
    def factory(model: BaseChatModel | None = None, fallback: BaseChatModel | None = None
                ) -> ConversationService:
        from agents.llm.models.offline import OfflineChatModel

        agents = build_agents(model or OfflineChatModel(), settings.llm, fallback=fallback)
        return ConversationService(session_factory=session_factory, settings=settings,
                                   agents=agents, clock=clock)
    return factory


class Chat:
    """Sends events as a channel would, with unique message ids."""

    def __init__(self, service: ConversationService) -> None:
        self.service = service
        self.counter = 0

    async def send(self, role: str, user_id: int, text: str = "", *, name: str = "User",
                   language: str = "es", open_ref: str | None = None,
                   callback: str | None = None, photos: list | None = None,
                   message_id: str | None = None):
        self.counter += 1
        return await self.service.handle(InboundEvent(
            channel=Channel.TELEGRAM, chat_id=str(user_id),
            external_message_id=message_id or f"{user_id}:{self.counter}", role=role,
            sender=Sender(name=name, telegram_id=user_id, language=language), text=text,
            message_type=MessageType.CALLBACK if callback else (
                MessageType.PHOTO if photos else MessageType.TEXT),
            photos=photos or [], open_product_ref=open_ref, callback_data=callback))


@pytest.fixture
def published_product(session_factory) -> Callable[..., object]:
    async def factory(*, price: str = "650", min_price: str | None = "560",
                      telegram_id: int = 1001) -> Product:
        async with session_factory() as session, session.begin():
            seller = Seller(telegram_id=telegram_id, name="Ana", language="es")
            session.add(seller)
            await session.flush()
            product = Product(
                seller_id=seller.id, status=ProductStatus.PUBLISHED, title="iPhone 13 Pro 128GB",
                description="Muy buen estado, batería al 89%, con caja y cargador original.",
                condition=Condition.USED, price=Decimal(price),
                min_price=Decimal(min_price) if min_price else None, currency="EUR",
                prompt_text="iPhone 13 Pro",
                attributes={"BRAND": "Apple", "shipping": "Envío por 5 € o entrega en mano"},
            )
            session.add(product)
            await session.flush()
            return product
    return factory
