"""A stored buyer conversation written back as a transcript that replays green.

`export_conversation(factory, conversation_id)` builds the transcript (a dict in the format's
shape) and `transcript_yaml` writes it. What goes in:

- actors: the buyer and the product's seller (Telegram ids, names, languages);
- the product as it was when the conversation began (the audit log's changes since then are
  rolled back), as a fixture;
- a turn per message of the buyer (`open`, `says`, `taps`, `sends`, `photo`), plus the seller's
  messages that acted on this chat (buttons about its offers or the product, quoted replies,
  commands whose tool calls name the product), plus an `advance` turn where a scheduled job
  (reservation expiry) spoke in between;
- the bot's replies as `reply_contains`, its messages to the other actor as `notifies`, and
  `no_reply: true` where the bot stayed silent; `final.products` when every change to the
  product in that time came from the exported turns.
"""

from __future__ import annotations

import asyncio
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import create_session_factory
from storage.models import (
    AuditEntry,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageType,
    Offer,
    Product,
    Seller,
)

PRODUCT_KEY = "product"
AUDITED = ("status", "price", "min_price", "title", "description", "sold_price")
DEFAULT_RATE_LIMIT = 20


class ExportError(LookupError):
    """The conversation cannot be exported (missing, not a Telegram buyer chat, ...)."""


@dataclass
class Sources:
    conversation: Conversation
    buyer: Buyer
    seller: Seller
    product: Product | None
    assistant_id: uuid.UUID | None  # the seller's assistant chat
    offer_ids: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # "buyer"/"seller" → actor name


async def export_conversation(factory: async_sessionmaker[AsyncSession],
                              conversation_id: uuid.UUID) -> dict[str, Any]:
    async with factory() as session:
        sources = await _sources(session, conversation_id)
        inbound = await _inbound(session, sources)
        if not inbound:
            raise ExportError("the conversation has no messages to replay")
        start = inbound[0].created_at
        outbound = await _outbound(session, sources, inbound[0].seq)
        jobs = await _job_times(session, sources, start)
        products: dict[str, Any] = {}
        if sources.product is not None:
            products[PRODUCT_KEY] = await _product_fixture(session, sources, start)
        turns, skipped = _turns(sources, inbound, outbound, jobs)
        skipped += await _unrelated_seller_messages(session, sources, inbound)
        complete = not skipped and sources.product is not None
        transcript: dict[str, Any] = {
            "name": f"exported conversation {conversation_id}",
            "model": "offline",
        }
        buyer_turns = sum(1 for message in inbound if message.author.value == "buyer")
        if buyer_turns >= DEFAULT_RATE_LIMIT:
            # Replayed in seconds, a long conversation would hit the per-minute limit.
            transcript["settings"] = {"rate_limit_per_actor": buyer_turns + 5}
        transcript.update(_actors(sources))
        if products:
            transcript["products"] = products
        transcript["turns"] = turns
        if complete and sources.product is not None:
            transcript["final"] = {"products": {PRODUCT_KEY: _final_state(sources.product)}}
        return transcript


def transcript_yaml(transcript: dict[str, Any]) -> str:
    return yaml.safe_dump(transcript, allow_unicode=True, sort_keys=False, width=100)


async def export_to_file(engine: AsyncEngine, conversation_id: uuid.UUID, path: Path) -> str:
    """`db_manager.py export-conversation`: write the transcript; returns a one-line summary."""
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
    transcript = await export_conversation(create_session_factory(engine), conversation_id)
    await asyncio.to_thread(path.write_text, transcript_yaml(transcript), encoding="utf-8")
    return (f"exported conversation {conversation_id} ({len(transcript['turns'])} turns) to "
            f"{path}; replay it with scripts/replay_conversation.py {path}")


async def _sources(session: AsyncSession, conversation_id: uuid.UUID) -> Sources:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise ExportError(f"no conversation {conversation_id}")
    if conversation.kind is not ConversationKind.BUYER_CHAT or \
            conversation.channel is not Channel.TELEGRAM:
        raise ExportError(f"conversation {conversation_id} is not a Telegram buyer chat")
    buyer = await session.get(Buyer, conversation.buyer_id)
    product = await session.get(Product, conversation.product_id) \
        if conversation.product_id else None
    seller_id = product.seller_id if product else conversation.seller_id
    seller = await session.get(Seller, seller_id) if seller_id else None
    if buyer is None or buyer.telegram_id is None or seller is None:
        raise ExportError(f"conversation {conversation_id} has no Telegram buyer and seller")
    assistant = await session.scalar(select(Conversation.id).where(
        Conversation.kind == ConversationKind.SELLER_ASSISTANT,
        Conversation.seller_id == seller.id, Conversation.channel == Channel.TELEGRAM))
    offers = await session.scalars(select(Offer.id).where(
        Offer.conversation_id == conversation.id))
    sources = Sources(conversation, buyer, seller, product, assistant,
                      {str(offer) for offer in offers})
    seller_name = _slug(seller.name, "seller")
    buyer_name = _slug(buyer.name, "buyer")
    if buyer_name == seller_name:
        buyer_name += "_buyer"
    sources.names = {"seller": seller_name, "buyer": buyer_name}
    return sources


def _slug(name: str | None, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", (name or "").lower()).strip("_")
    return slug if re.match(r"^[a-z_]", slug) else fallback


def _actors(sources: Sources) -> dict[str, Any]:
    seller, buyer = sources.seller, sources.buyer
    return {
        "sellers": {sources.names["seller"]: {"telegram_id": seller.telegram_id,
                                              "name": seller.name, "language": seller.language}},
        "buyers": {sources.names["buyer"]: {"telegram_id": buyer.telegram_id, "name": buyer.name,
                                            "language": buyer.language}},
    }


async def _inbound(session: AsyncSession, sources: Sources) -> list[Message]:
    """The buyer's messages, and the seller's that acted on this chat, in order."""
    chats = [sources.conversation.id] + ([sources.assistant_id] if sources.assistant_id else [])
    rows = (await session.scalars(select(Message).where(
        Message.conversation_id.in_(chats), Message.direction == Direction.INBOUND)
        .order_by(Message.seq))).all()
    own = [m for m in rows if m.conversation_id == sources.conversation.id]
    if not own:
        return []
    keep = {m.id for m in own}
    for message in rows:
        if message.id not in keep and message.seq > own[0].seq and \
                await _acts_on_chat(session, sources, message):
            keep.add(message.id)
    return [m for m in rows if m.id in keep]


async def _unrelated_seller_messages(session: AsyncSession, sources: Sources,
                                     inbound: list[Message]) -> int:
    """Seller messages during the chat that the export leaves out."""
    if sources.assistant_id is None:
        return 0
    own = [m.seq for m in inbound if m.conversation_id == sources.conversation.id]
    kept = {m.id for m in inbound}
    rows = await session.scalars(select(Message.id).where(
        Message.conversation_id == sources.assistant_id, Message.direction == Direction.INBOUND,
        Message.seq > own[0], Message.seq < own[-1]))
    return sum(1 for message_id in rows if message_id not in kept)


async def _acts_on_chat(session: AsyncSession, sources: Sources, message: Message) -> bool:
    entities = message.entities or {}
    references = {str(sources.conversation.id), *sources.offer_ids}
    if sources.product is not None:
        references.add(str(sources.product.id))
    if str(entities.get("relay_to") or "") in references:
        return True
    if any(ref in str(entities.get("callback") or "") for ref in references):
        return True
    replies = await session.scalars(select(Message.tool_calls).where(
        Message.reply_to_id == message.id))
    text = " ".join(str(calls) for calls in replies)
    return sources.product is not None and str(sources.product.id) in text


async def _outbound(session: AsyncSession, sources: Sources, after_seq: int) -> list[Message]:
    chats = [sources.conversation.id] + ([sources.assistant_id] if sources.assistant_id else [])
    rows = (await session.scalars(select(Message).where(
        Message.conversation_id.in_(chats), Message.direction == Direction.OUTBOUND,
        Message.seq > after_seq).order_by(Message.seq))).all()
    about = str(sources.conversation.id)
    return [m for m in rows if m.conversation_id == sources.conversation.id
            or m.reply_to_id is not None or (m.entities or {}).get("about") == about]


async def _job_times(session: AsyncSession, sources: Sources, start: datetime
                     ) -> list[datetime]:
    """When a scheduled job changed this chat's offers (a reservation expired)."""
    if not sources.offer_ids:
        return []
    rows = await session.scalars(select(AuditEntry.changed_at).where(
        AuditEntry.table_name == "offers",
        AuditEntry.row_id.in_([uuid.UUID(offer) for offer in sources.offer_ids]),
        AuditEntry.actor.startswith("job:"), AuditEntry.changed_at >= start)
        .order_by(AuditEntry.changed_at))
    return sorted(set(rows))


async def _product_fixture(session: AsyncSession, sources: Sources, start: datetime
                           ) -> dict[str, Any]:
    product = sources.product
    assert product is not None
    state = {key: getattr(product, key) for key in AUDITED}
    state["status"] = product.status.value
    changes = (await session.scalars(select(AuditEntry).where(
        AuditEntry.table_name == "products", AuditEntry.row_id == product.id,
        AuditEntry.operation == "UPDATE", AuditEntry.changed_at >= start)
        .order_by(AuditEntry.changed_at.desc()))).all()
    for change in changes:  # newest first: each undoes one change
        for key, value in (change.old_values or {}).items():
            if key in state:
                state[key] = value
    fixture: dict[str, Any] = {"seller": sources.names["seller"], "title": state["title"],
                               "description": state["description"] or state["title"]}
    if product.category_name:
        fixture["category"] = product.category_name
    fixture["condition"] = product.condition.value
    for key in ("price", "min_price"):
        if state[key] is not None:
            fixture[key] = _number(state[key])
    fixture.update(currency=product.currency, status=state["status"])
    if product.attributes:
        fixture["attributes"] = dict(product.attributes)
    return fixture


def _final_state(product: Product) -> dict[str, Any]:
    final: dict[str, Any] = {"status": product.status.value}
    for key in ("price", "min_price", "sold_price"):
        value = getattr(product, key)
        final[key] = _number(value) if value is not None else "none"
    return final


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number == int(number) else number
