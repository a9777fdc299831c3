"""What one agent turn knows: who speaks, about what, and where side effects are collected.

Tools receive it through LangChain's `ToolRuntime.context`; agents are built once and each
turn passes its own context, so nothing of one chat leaks into another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

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


@dataclass
class TurnContext:
    session: AsyncSession
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

    def now(self) -> datetime:
        return self.clock()


def money(amount: Decimal | None) -> str | None:
    """Amounts as the tools report them: "350", "299.99"."""
    if amount is None:
        return None
    amount = Decimal(amount)
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:.2f}"


def tool_error(code: str, message: str) -> dict[str, str]:
    """Errors are answers to the model, never exceptions."""
    return {"error": code, "message": message}
