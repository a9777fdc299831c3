"""What one agent turn knows: who speaks, about what, and where side effects are collected.

Tools receive it through LangChain's `ToolRuntime.context`; agents are built once and each
turn passes its own context, so nothing of one chat leaks into another.

The rows here are the turn's snapshot, read and committed before the model runs: no
connection is held and no row locked while it thinks. Database work happens only inside
`async with ctx.transaction() as session:` (short: lock, decide on fresh rows, write, commit),
or `await ctx.effect(name, action)` for a tool that changes something: its outcome is recorded
against the inbound message, so a re-run of the turn replays it instead of acting twice.
`ctx.session` is the open transaction's session, and an error outside one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from config.settings import Settings
from storage.models import Buyer, Conversation, Product, Seller

Role = Literal["seller", "buyer"]


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str


@dataclass(frozen=True)
class PhotoRef:
    """A photo that came with the message, as the channel stored it."""

    telegram_file_id: str | None = None
    storage_key: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    format: str | None = "jpg"
    data: bytes | None = None  # the image itself, when the channel downloaded it


@dataclass
class Notification:
    """A message to another actor (the seller, usually) caused by this turn.

    It names a template of agents/texts.py and its values; the service renders it in the
    recipient's language. Buttons are (label template, callback data) pairs.
    """

    key: str
    values: dict[str, object]
    seller_id: object | None = None
    buyer_id: object | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    conversation_id: object | None = None  # the buyer's chat, when the buyer is the recipient


@runtime_checkable  # the tools' runtime validates the context's fields by isinstance
class TurnTransactions(Protocol):
    """How a turn opens its short transactions (agents/turn_transactions.py)."""

    def transaction(self, ctx: TurnContext) -> AbstractAsyncContextManager[AsyncSession]: ...

    async def effect(self, ctx: TurnContext, name: str,
                     action: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]: ...


class NoTransaction(RuntimeError):
    """Database work outside `ctx.transaction()`: it would hold a connection across the turn."""


@dataclass
class TurnContext:
    settings: Settings
    clock: Callable[[], datetime]
    role: Role
    language: str
    conversation: Conversation
    seller: Seller | None = None
    buyer: Buyer | None = None
    product: Product | None = None  # the buyer's product in focus
    chosen_product_id: object | None = None  # the seller's answer to "which product?"
    photos: list[PhotoRef] = field(default_factory=list)
    system_prompt: str = ""
    listing_writer: Any = None  # agents.listing_writer.ListingWriter chosen by the runtime
    # Side effects the service turns into stored messages after the agent has run.
    notifications: list[Notification] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    tool_log: list[dict[str, object]] = field(default_factory=list)
    transactions: TurnTransactions | None = None
    inbound_id: uuid.UUID | None = None  # the message this turn answers: effects are keyed to it
    actor: str | None = None  # who caused this turn's changes, for the audit log
    conversation_seller: Seller | None = None  # the seller of the conversation (the guard's)
    deliveries: list[Any] = field(default_factory=list)  # agents.outbox.OutboundMessage stored
    open_session: AsyncSession | None = None
    owner_task: object | None = None  # the task whose transaction is open
    serial: asyncio.Lock = field(default_factory=asyncio.Lock)  # one transaction at a time
    calls: dict[str, int] = field(default_factory=dict)  # effects per name, for their keys

    def now(self) -> datetime:
        return self.clock()

    @property
    def session(self) -> AsyncSession:
        if self.open_session is None:
            raise NoTransaction("open `ctx.transaction()` for database work")
        return self.open_session

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A short transaction of its own: commits on exit (with the notifications it
        produced, as outbox rows), rolls back on error."""
        assert self.transactions is not None, "a turn's context comes with its transactions"
        return self.transactions.transaction(self)

    async def effect(self, name: str, action: Callable[[], Awaitable[dict[str, Any]]]
                     ) -> dict[str, Any]:
        """Run `action` (domain code using `ctx.session`) in a transaction of its own, once
        per turn: a re-run of the turn gets the recorded result back."""
        assert self.transactions is not None, "a turn's context comes with its transactions"
        return await self.transactions.effect(self, name, action)


def money(amount: Decimal | None) -> str | None:
    """Amounts as the tools report them: "350", "299.99"."""
    if amount is None:
        return None
    amount = Decimal(amount)
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:.2f}"


def tool_error(code: str, message: str) -> dict[str, str]:
    """Errors are answers to the model, never exceptions."""
    return {"error": code, "message": message}
