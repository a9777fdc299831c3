"""A service on a database of its own, with a model that waits where a test says.

The turn's transactions need real separate connections (the default fixture rides every
session on one connection), and `pg_stat_activity` must see them as a production pool would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.outputs import ChatResult
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.agent_factory import build_agents
from agents.conversation_service import ConversationService, InboundEvent, Sender
from agents.models.offline import OfflineChatModel
from agents.models.offline_turn import text_of
from storage.models import Channel, Condition, MessageType, Product, ProductStatus, Seller


@dataclass
class Gate:
    """Where the model waits: calls past the first `free` ones wait for `release`."""

    free: int = 0
    calls: list[str] = field(default_factory=list)  # the speaker's last words, per call
    finished: list[str] = field(default_factory=list)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class GatedModel(OfflineChatModel):
    """The offline model, made to wait (a model taking seconds, to the turn around it)."""

    gate: Any = None

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: Any = None, **kwargs: Any) -> ChatResult:
        gate: Gate = self.gate
        said = next((text_of(m) for m in reversed(messages) if isinstance(m, HumanMessage)),
                    "")
        gate.calls.append(said)
        if len(gate.calls) > gate.free:
            gate.entered.set()
            await gate.release.wait()
        await asyncio.sleep(0)
        gate.finished.append(said)
        return self._generate(messages, stop=stop, **kwargs)


def service_on(session_factory: async_sessionmaker[AsyncSession], settings: Any, gate: Gate,
               lock: Any = None) -> ConversationService:
    agents = build_agents(GatedModel(gate=gate), settings.llm)
    return ConversationService(session_factory=session_factory, settings=settings,
                               agents=agents, lock=lock)


async def published_product(session_factory: async_sessionmaker[AsyncSession],
                            price: str = "650", min_price: str = "560") -> Product:
    async with session_factory() as session, session.begin():
        seller = Seller(telegram_id=7001, name="Ana", language="es")
        session.add(seller)
        await session.flush()
        product = Product(
            seller_id=seller.id, status=ProductStatus.PUBLISHED, title="iPhone 13 Pro 128GB",
            description="Muy buen estado, batería al 89%, con caja y cargador original.",
            condition=Condition.USED, price=Decimal(price), min_price=Decimal(min_price),
            currency="EUR", prompt_text="iPhone 13 Pro")
        session.add(product)
        await session.flush()
        return product


def buyer_says(text_: str, number: int, product: Product | None = None,
               buyer: int = 8001) -> InboundEvent:
    return InboundEvent(
        channel=Channel.TELEGRAM, chat_id=str(buyer), external_message_id=f"{buyer}:{number}",
        role="buyer", sender=Sender(name="Pepe", telegram_id=buyer, language="es"),
        text=text_, message_type=MessageType.TEXT,
        open_product_ref=product.public_ref if product is not None else None)


async def idle_in_transaction(engine: AsyncEngine) -> list[tuple[str, float]]:
    """Sessions of this database (but the asking one) idle in a transaction, with seconds."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        rows = await conn.execute(text(
            "SELECT state, extract(epoch FROM clock_timestamp() - state_change)::float "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
        return [(row[0], row[1]) for row in rows]


async def scalar(engine: AsyncEngine, statement: str, **params: object) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(statement), params)).scalar()
