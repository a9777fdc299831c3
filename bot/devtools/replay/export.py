"""A stored buyer conversation written back as a transcript that replays green.

`export_conversation(factory, conversation_id)` builds the transcript (a dict in the format's
shape; `transcript_yaml` writes it). What goes in:

- actors: the buyer (blocked or not, as at the start) and the product's seller;
- the product as it was when the conversation began (the audit log's later changes are rolled
  back), as a fixture;
- the turns and what the bot said (`bot.devtools.replay.export_turns`); `model: scripted` with the
  model's own answers when the replies came from a model other than the offline one;
- `settings: {reservation_minutes}` when a deal was reserved; `final.products` when every change
  to the product during the chat came from the exported turns.

What cannot be known from the database is reported in `warnings` (another buyer changed the
product meanwhile, messages left out), and the replay may then differ there.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.devtools.replay.export_product import (
    at_start,
    final_state,
    only_this_chat_changed,
    product_fixture,
)
from bot.devtools.replay.export_sources import Sources
from bot.devtools.replay.export_turns import PRODUCT_KEY, ChatView, build_turns, inbound_time
from storage.database import create_session_factory
from storage.models import (
    AuditEntry,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    Offer,
    OfferStatus,
    Product,
    Seller,
)

OFFLINE_MODEL = "offline"


class ExportError(LookupError):
    """The conversation cannot be exported (missing, not a Telegram buyer chat, ...)."""


async def export_conversation(factory: async_sessionmaker[AsyncSession],
                              conversation_id: uuid.UUID) -> dict[str, Any]:
    async with factory() as session:
        sources = await _sources(session, conversation_id)
        inbound = await _inbound(session, sources)
        if not inbound:
            raise ExportError("the conversation has no messages to replay")
        outbound = await _outbound(session, sources, inbound[0].seq)
        scripted = any(m.model and m.model != OFFLINE_MODEL for m in outbound)
        chat = ChatView(sources.conversation.id, sources.names,
                        sources.product.public_ref if sources.product else None, scripted)
        turns, skipped = build_turns(chat, inbound, outbound, _job_times(sources))
        skipped += await _unrelated_seller_messages(session, sources, inbound)
        if skipped:
            sources.warnings.append(f"{skipped} message(s) of the seller or buyer left out")
        transcript: dict[str, Any] = {"name": f"exported conversation {conversation_id}",
                                      "model": "scripted" if scripted else "offline"}
        minutes = await _reservation_minutes(session, sources, inbound)
        if minutes:
            transcript["settings"] = {"reservation_minutes": minutes}
        transcript.update(await _actors(session, sources, inbound[0].created_at))
        if sources.product is not None:
            transcript["products"] = {
                PRODUCT_KEY: await product_fixture(session, sources, inbound[0].created_at)}
        transcript["turns"] = turns
        if sources.product is not None and not skipped and \
                await only_this_chat_changed(session, sources, inbound[0].created_at):
            transcript["final"] = {"products": {PRODUCT_KEY: final_state(sources)}}
        if sources.warnings:
            transcript["warnings"] = sources.warnings
        return transcript


def transcript_yaml(transcript: dict[str, Any]) -> str:
    """The transcript as YAML; warnings become comments (they are no key of the format)."""
    body = {key: value for key, value in transcript.items() if key != "warnings"}
    notes = "".join(f"# warning: {note}\n" for note in transcript.get("warnings", []))
    return notes + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


async def export_to_file(engine: AsyncEngine, conversation_id: uuid.UUID, path: Path) -> str:
    """`db_manager.py export-conversation`: write the transcript; returns a summary line."""
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
    transcript = await export_conversation(create_session_factory(engine), conversation_id)
    await asyncio.to_thread(path.write_text, transcript_yaml(transcript), encoding="utf-8")
    warnings = "".join(f"; warning: {note}" for note in transcript.get("warnings", []))
    return (f"exported conversation {conversation_id} ({len(transcript['turns'])} turns) to "
            f"{path}; replay it with scripts/replay_conversation.py {path}{warnings}")


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
    if product is None or seller is None:
        raise ExportError(f"conversation {conversation_id} is not about a product")
    if buyer is None or buyer.telegram_id is None or seller.telegram_id is None:
        raise ExportError(f"conversation {conversation_id} has no Telegram buyer and seller")
    assistant = await session.scalar(select(Conversation.id).where(
        Conversation.kind == ConversationKind.SELLER_ASSISTANT,
        Conversation.seller_id == seller.id, Conversation.channel == Channel.TELEGRAM))
    offers = (await session.scalars(select(Offer).where(
        Offer.conversation_id == conversation.id))).all()
    sources = Sources(conversation, buyer, seller, product, assistant, list(offers))
    seller_name, buyer_name = _slug(seller.name, "seller"), _slug(buyer.name, "buyer")
    if buyer_name == seller_name:
        buyer_name += "_buyer"
    sources.names = {"seller": seller_name, "buyer": buyer_name}
    return sources


def _slug(name: str | None, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", (name or "").lower()).strip("_")
    return slug if re.match(r"^[a-z_]", slug) else fallback


async def _actors(session: AsyncSession, sources: Sources, start: datetime) -> dict[str, Any]:
    seller, buyer = sources.seller, sources.buyer
    buyer_spec: dict[str, Any] = {"telegram_id": buyer.telegram_id, "name": buyer.name,
                                  "language": buyer.language}
    if (await at_start(session, "buyers", buyer.id, start, {"is_blocked": buyer.is_blocked})
            )["is_blocked"]:
        buyer_spec["blocked"] = True
    return {
        "sellers": {sources.names["seller"]: {"telegram_id": seller.telegram_id,
                                              "name": seller.name, "language": seller.language}},
        "buyers": {sources.names["buyer"]: buyer_spec},
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


async def _acts_on_chat(session: AsyncSession, sources: Sources, message: Message) -> bool:
    entities = message.entities or {}
    assert sources.product is not None
    references = {str(sources.conversation.id), str(sources.product.id),
                  *(str(offer.id) for offer in sources.offers)}
    if str(entities.get("relay_to") or "") in references:
        return True
    if any(ref in str(entities.get("callback") or "") for ref in references):
        return True
    replies = await session.scalars(select(Message.tool_calls).where(
        Message.reply_to_id == message.id))
    return str(sources.product.id) in " ".join(str(calls) for calls in replies)


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


async def _outbound(session: AsyncSession, sources: Sources, after_seq: int) -> list[Message]:
    chats = [sources.conversation.id] + ([sources.assistant_id] if sources.assistant_id else [])
    rows = (await session.scalars(select(Message).where(
        Message.conversation_id.in_(chats), Message.direction == Direction.OUTBOUND,
        Message.seq > after_seq).order_by(Message.seq))).all()
    about = str(sources.conversation.id)
    return [m for m in rows if m.conversation_id == sources.conversation.id
            or m.reply_to_id is not None or (m.entities or {}).get("about") == about]


def _job_times(sources: Sources) -> list[datetime]:
    """When a scheduled job expired this chat's offers (the service clock's time)."""
    return sorted({offer.responded_at for offer in sources.offers
                   if offer.status is OfferStatus.EXPIRED and offer.responded_at})


async def _reservation_minutes(session: AsyncSession, sources: Sources,
                               inbound: list[Message]) -> int | None:
    """How long a deal stayed reserved: expiry minus the clock of the turn that accepted it."""
    for offer in sources.offers:
        if offer.expires_at is None:
            continue
        accepted_at = await session.scalar(select(AuditEntry.changed_at).where(
            AuditEntry.table_name == "offers", AuditEntry.row_id == offer.id,
            AuditEntry.new_values["status"].astext == OfferStatus.ACCEPTED.value)
            .order_by(AuditEntry.changed_at).limit(1))
        turn = [m for m in inbound if accepted_at and m.created_at <= accepted_at]
        if turn:
            delta = offer.expires_at - inbound_time(turn[-1])
            return max(1, round(delta.total_seconds() / 60))
    return None
