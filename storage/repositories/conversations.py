"""Conversations and their messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import (
    Channel,
    Conversation,
    ConversationKind,
    ConversationStatus,
    Direction,
    Message,
    Product,
)

# Statements on the path of every message are built once, with bind parameters: building one
# and computing its cache key costs more than running it (SQLAlchemy memoizes the key on the
# statement object, so a reused one pays nothing).
_SAME_CHAT = (Conversation.channel == bindparam("channel"),
              Conversation.external_chat_id == bindparam("chat_id"))
_FIND_WITHOUT_PRODUCT = select(Conversation).where(
    *_SAME_CHAT, Conversation.kind == bindparam("kind"), Conversation.product_id.is_(None))
_FIND_FOR_PRODUCT = select(Conversation).where(
    *_SAME_CHAT, Conversation.kind == bindparam("kind"),
    Conversation.product_id == bindparam("product_id"))
_LATEST_BUYER_CHAT = (
    select(Conversation)
    .where(*_SAME_CHAT, Conversation.kind == ConversationKind.BUYER_CHAT)
    .order_by(Conversation.last_message_at.desc().nullslast(), Conversation.created_at.desc())
    .limit(1)
)
_CONVERSATIONS = Conversation.__table__
_RECORD_ACTIVITY = (
    update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(message_count=_CONVERSATIONS.c.message_count + bindparam("added"),
            last_message_at=bindparam("at"))
)
_MESSAGES = Message.__table__
_MARK_DELIVERED = (
    update(_MESSAGES).where(_MESSAGES.c.id == bindparam("message_id"))
    .values(delivered_at=bindparam("at"), external_message_id=bindparam("external_id"))
)


async def get_or_create(
    session: AsyncSession, *, channel: Channel, external_chat_id: str, kind: ConversationKind,
    product_id: uuid.UUID | None = None, buyer_id: uuid.UUID | None = None,
    seller_id: uuid.UUID | None = None,
) -> Conversation:
    """One conversation per chat, kind and product; concurrent first messages make one.

    Read first: the conversation exists for every message but a chat's first (one round trip);
    else insert-or-nothing and read again.
    """
    key = {"channel": channel, "external_chat_id": external_chat_id, "kind": kind,
           "product_id": product_id}
    existing = await find(session, **key)
    if existing is not None:
        return existing
    await session.execute(
        insert(Conversation)
        .values(channel=channel, external_chat_id=external_chat_id, kind=kind,
                product_id=product_id, buyer_id=buyer_id, seller_id=seller_id)
        .on_conflict_do_nothing(
            constraint="uq_conversations_channel_external_chat_id_kind_product_id"
        )
    )
    conversation = await find(session, **key)
    assert conversation is not None
    return conversation


async def find(session: AsyncSession, *, channel: Channel, external_chat_id: str,
               kind: ConversationKind, product_id: uuid.UUID | None = None
               ) -> Conversation | None:
    """The conversation of a chat, kind and product (None: the one about no product)."""
    if product_id is None:
        return await session.scalar(_FIND_WITHOUT_PRODUCT, {
            "channel": channel, "chat_id": external_chat_id, "kind": kind})
    return await session.scalar(_FIND_FOR_PRODUCT, {
        "channel": channel, "chat_id": external_chat_id, "kind": kind, "product_id": product_id})


async def get(session: AsyncSession, conversation_id: uuid.UUID, *, lock: bool = False
              ) -> Conversation | None:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def latest_buyer_chat(
    session: AsyncSession, channel: Channel, external_chat_id: str
) -> Conversation | None:
    """The product chat this buyer used last (free text goes there)."""
    return await session.scalar(_LATEST_BUYER_CHAT, {"channel": channel,
                                                     "chat_id": external_chat_id})


async def for_seller_products(
    session: AsyncSession, seller_id: uuid.UUID, limit: int = 10
) -> Sequence[Conversation]:
    return (await session.scalars(
        select(Conversation).join(Product, Product.id == Conversation.product_id)
        .where(Product.seller_id == seller_id, Conversation.kind == ConversationKind.BUYER_CHAT)
        .order_by(Conversation.last_message_at.desc().nullslast()).limit(limit)
    )).all()


async def add_inbound(session: AsyncSession, message: Message) -> tuple[Message, bool]:
    """Store an inbound message once per (channel, external id).

    Returns the stored row and whether it is new; a redelivery returns the first row.
    """
    values = {
        column.key: getattr(message, column.key)
        for column in Message.__table__.columns
        if column.key not in ("id", "seq", "created_at")
        and getattr(message, column.key) is not None
    }
    # RETURNING the whole row: a new message costs one round trip, a redelivery two
    inserted = await session.scalar(
        insert(Message).values(**values)
        .on_conflict_do_nothing(index_elements=[Message.channel, Message.external_message_id])
        .returning(Message),
        execution_options={"populate_existing": True},
    )
    if inserted is not None:
        return inserted, True
    stored = await session.scalar(
        select(Message).where(Message.channel == message.channel,
                              Message.external_message_id == message.external_message_id)
    )
    assert stored is not None
    return stored, False


async def find_message(session: AsyncSession, channel: Channel, external_id: str
                       ) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.channel == channel,
                              Message.external_message_id == external_id)
    )


async def recent_messages(session: AsyncSession, conversation_id: uuid.UUID, limit: int
                          ) -> list[Message]:
    rows = (await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id)
        .order_by(Message.seq.desc()).limit(limit)
    )).all()
    return list(reversed(rows))


async def replies_to(session: AsyncSession, message_id: uuid.UUID) -> Sequence[Message]:
    return (await session.scalars(
        select(Message).where(Message.reply_to_id == message_id).order_by(Message.seq)
    )).all()


async def record_activity(
    session: AsyncSession, conversation: Conversation, *, messages: int, at: datetime
) -> None:
    """Count messages on the conversation's row. A plain UPDATE: the object in the session
    keeps the count it was read with (synchronizing it costs more than the statement)."""
    await session.execute(_RECORD_ACTIVITY, {"conversation_id": conversation.id,
                                             "added": messages, "at": at})


async def unprocessed_inbound(session: AsyncSession, limit: int = 100) -> Sequence[Message]:
    return (await session.scalars(
        select(Message).where(Message.direction == Direction.INBOUND,
                              Message.processed_at.is_(None))
        .order_by(Message.seq).limit(limit)
    )).all()


async def undelivered_outbound(session: AsyncSession, limit: int = 100) -> Sequence[Message]:
    return (await session.scalars(
        select(Message).where(Message.direction == Direction.OUTBOUND,
                              Message.delivered_at.is_(None))
        .order_by(Message.seq).limit(limit)
    )).all()


async def mark_delivered(bind: AsyncSession | AsyncConnection, message_id: uuid.UUID,
                         external_id: str | None, at: datetime) -> None:
    """On a session, or on a connection (a single statement needs no ORM, nor a transaction)."""
    await mark_delivered_many(bind, [(message_id, external_id)], at)


async def mark_delivered_many(bind: AsyncSession | AsyncConnection,
                              sent: Sequence[tuple[uuid.UUID, str | None]], at: datetime
                              ) -> None:
    """`mark_delivered` for several messages, in one round trip (asyncpg pipelines an
    executemany)."""
    if sent:
        await bind.execute(_MARK_DELIVERED, [
            {"message_id": message_id, "at": at, "external_id": external_id}
            for message_id, external_id in sent])


async def count_active(session: AsyncSession) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(Conversation)
        .where(Conversation.status == ConversationStatus.ACTIVE)
    ) or 0)


# A seller's block of a buyer is the status of their chats: every chat between the two is
# closed at once, and a chat opened later starts closed.
_BUYER_CHATS_WITH_SELLER = (Conversation.kind == ConversationKind.BUYER_CHAT,
                            Conversation.seller_id == bindparam("seller_id"),
                            Conversation.buyer_id == bindparam("buyer_id"))
_BLOCKED_BY_SELLER = select(Conversation.id).where(
    *_BUYER_CHATS_WITH_SELLER, Conversation.status == ConversationStatus.BLOCKED).limit(1)


async def blocked_by_seller(session: AsyncSession, seller_id: uuid.UUID,
                            buyer_id: uuid.UUID) -> bool:
    """Whether the seller's chats with this buyer are closed (the buyer was blocked)."""
    return await session.scalar(_BLOCKED_BY_SELLER, {"seller_id": seller_id,
                                                     "buyer_id": buyer_id}) is not None


async def set_block(session: AsyncSession, seller_id: uuid.UUID, buyer_id: uuid.UUID, *,
                    blocked: bool, marker: str | None = None) -> list[uuid.UUID]:
    """Close (or reopen) every chat between a seller and a buyer; `marker` is appended to
    the chats' recorded fraud signals. Returns the chats changed."""
    before, after = (ConversationStatus.ACTIVE, ConversationStatus.BLOCKED) if blocked else (
        ConversationStatus.BLOCKED, ConversationStatus.ACTIVE)
    values: dict[str, object] = {"status": after, "updated_at": func.now()}
    if marker is not None:
        values["fraud_signals"] = Conversation.fraud_signals.op("||")(
            func.jsonb_build_array(marker))
    changed = await session.scalars(
        update(Conversation)
        .where(Conversation.kind == ConversationKind.BUYER_CHAT,
               Conversation.seller_id == seller_id, Conversation.buyer_id == buyer_id,
               Conversation.status == before)
        .values(**values).returning(Conversation.id)
        .execution_options(synchronize_session=False))
    return list(changed)


_WAITING_FOR_SELLER = (
    select(Conversation)
    .where(Conversation.kind == ConversationKind.BUYER_CHAT,
           Conversation.channel.in_([Channel.TELEGRAM, Channel.MERCADOLIBRE]),
           Conversation.seller_id == bindparam("seller_id"),
           Conversation.status == ConversationStatus.ACTIVE,
           (func.jsonb_array_length(Conversation.open_questions) > 0)
           # a MercadoLibre question is answered once: quoted, it waits no more
           | (Conversation.human_takeover & (Conversation.channel == Channel.TELEGRAM)))
    .order_by(Conversation.last_message_at.desc().nullslast())
    .limit(bindparam("limit"))
)


async def waiting_for_seller(session: AsyncSession, seller_id: uuid.UUID, limit: int = 6
                             ) -> Sequence[Conversation]:
    """The seller's buyer chats (Telegram, and MercadoLibre questions) where a buyer waits for
    the seller's own answer (a forwarded question, or a chat the seller took over); the most
    recent first."""
    return (await session.scalars(_WAITING_FOR_SELLER, {"seller_id": seller_id,
                                                        "limit": limit})).all()
