"""The outbox's query side: stored bot messages still to send, as the channel sends them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agents.conversation.outbox import OutboundMessage
from agents.turn_context import Button
from storage.models import Channel, Conversation, ConversationKind, Direction, Message


def _outbound(message: Message, conversation: Conversation) -> OutboundMessage:
    recipient = "seller" if conversation.kind is ConversationKind.SELLER_ASSISTANT else "buyer"
    buttons = [[Button(b["text"], b["callback_data"]) for b in row]
               for row in (message.buttons or [])]
    return OutboundMessage(message.id, message.channel, conversation.external_chat_id,
                           message.text, recipient, buttons)


async def undelivered(session: AsyncSession, message_id: uuid.UUID) -> OutboundMessage | None:
    """The outbound message, unless it was delivered or refused for good meanwhile."""
    row = (await session.execute(
        select(Message, Conversation).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id == message_id, Message.direction == Direction.OUTBOUND,
               Message.delivered_at.is_(None), Message.delivery_error.is_(None)))).first()
    return _outbound(*row) if row is not None else None


async def waiting(session: AsyncSession, *, created_after: datetime, created_before: datetime,
                  limit: int = 1000) -> Sequence[tuple[uuid.UUID, str]]:
    """Telegram messages stored in that span and neither delivered nor refused: (id, chat)."""
    rows = await session.execute(
        select(Message.id, Conversation.external_chat_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.direction == Direction.OUTBOUND, Message.delivered_at.is_(None),
               Message.delivery_error.is_(None), Message.channel == Channel.TELEGRAM,
               Message.created_at > created_after, Message.created_at < created_before)
        .order_by(Message.seq).limit(limit))
    return [(row[0], row[1]) for row in rows.all()]


async def refused(session: AsyncSession, message_id: uuid.UUID, error: str) -> None:
    """The channel will never take this message (the bot was blocked, the chat is gone)."""
    await session.execute(update(Message).where(Message.id == message_id)
                          .values(delivery_error=error[:2000]))


async def unanswered(session: AsyncSession, *, received_before: datetime, limit: int = 1000
                     ) -> Sequence[tuple[uuid.UUID, str]]:
    """Inbound messages stored before that time and not processed yet: (id, chat)."""
    rows = await session.execute(
        select(Message.id, Conversation.external_chat_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.direction == Direction.INBOUND, Message.processed_at.is_(None),
               Message.created_at < received_before)
        .order_by(Message.seq).limit(limit))
    return [(row[0], row[1]) for row in rows.all()]
