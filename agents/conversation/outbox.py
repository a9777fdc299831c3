"""Storing what the bot says: replies to the speaker and notifications to other actors.

Everything is a row in `messages` before it is sent, so a crash loses nothing and another worker
could deliver it; the channel marks it delivered afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.texts import text as render
from agents.turn_context import Button, Notification
from storage.database import unit_of_work
from storage.models import (
    Author,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageType,
    Seller,
)
from storage.repositories import conversations as conversations_repo
from storage.repositories import turns

TAKEOVER_OFFERED = {"seller_question", "seller_relay", "seller_meeting", "seller_contact_request"}


@dataclass
class OutboundMessage:
    message_id: uuid.UUID
    channel: Channel
    chat_id: str
    text: str
    recipient: str  # "seller" | "buyer"
    buttons: list[list[Button]] = field(default_factory=list)


def buttons_json(buttons: list[list[Button]]) -> list[list[dict[str, str]]]:
    return [[{"text": b.text, "callback_data": b.callback_data} for b in row] for row in buttons]


def outbound_row(
    conversation: Conversation, text: str, *, recipient: str,
    buttons: list[list[Button]] | None = None, reply_to: uuid.UUID | None = None,
    message_type: MessageType = MessageType.TEXT, extra: dict[str, Any] | None = None,
) -> tuple[OutboundMessage, dict[str, Any]]:
    """A bot message about to be stored: what the channel will send, and the row's values
    (its id set here)."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "conversation_id": conversation.id, "channel": conversation.channel,
        "direction": Direction.OUTBOUND, "author": Author.BOT, "text": text,
        "buttons": buttons_json(buttons or []), "reply_to_id": reply_to,
        "message_type": message_type, **(extra or {}),
    }
    return OutboundMessage(values["id"], conversation.channel, conversation.external_chat_id,
                           text, recipient, list(buttons or [])), values


async def store_outbound(
    session: AsyncSession, conversation: Conversation, text: str, *, recipient: str,
    buttons: list[list[Button]] | None = None, reply_to: uuid.UUID | None = None,
    message_type: MessageType = MessageType.TEXT, extra: dict[str, Any] | None = None,
) -> OutboundMessage:
    """Add the message to the session: it is written with the transaction's other changes,
    in the order added (its id is set here, so nothing needs writing before the commit)."""
    out, values = outbound_row(conversation, text, recipient=recipient, buttons=buttons,
                               reply_to=reply_to, message_type=message_type, extra=extra)
    session.add(Message(**values))
    return out


async def store_notice(session_factory: async_sessionmaker[AsyncSession],
                       conversation_id: uuid.UUID, text: str, *, recipient: str,
                       reply_to: uuid.UUID | None) -> OutboundMessage | None:
    """A fixed notice about a stored message that is not answered yet (throttling's "saved,
    answering soon"), in its own short transaction: what the bot sends is on record, and the
    inbound stays unprocessed for the turn that answers it later."""
    async with unit_of_work(session_factory) as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        return await store_outbound(session, conversation, text, recipient=recipient,
                                    reply_to=reply_to)


async def seller_assistant(session: AsyncSession, seller: Seller) -> Conversation:
    return await conversations_repo.get_or_create(
        session, channel=Channel.TELEGRAM, external_chat_id=str(seller.telegram_id),
        kind=ConversationKind.SELLER_ASSISTANT, seller_id=seller.id,
    )


async def deliver_notification(
    session: AsyncSession, notification: Notification, *, now: datetime,
    buyer_conversation: Conversation | None = None,
) -> OutboundMessage | None:
    """Render a notification in its recipient's language and store it in their chat."""
    about: dict[str, Any] = {}
    if notification.seller_id is not None:
        seller = await session.get(Seller, notification.seller_id)
        if seller is None:
            return None
        language, conversation, recipient = seller.language, await seller_assistant(
            session, seller), "seller"
        if buyer_conversation is not None and (
                buyer_conversation.kind is ConversationKind.BUYER_CHAT):
            # Lets a quoted reply of the seller reach this buyer (human takeover).
            about = {"entities": {"about": str(buyer_conversation.id)}}
            if notification.key in TAKEOVER_OFFERED:
                # Take over while the bot answers; hand back once the seller does.
                button = ("btn_hand_back", f"takeover:handback:{buyer_conversation.id}") \
                    if buyer_conversation.human_takeover else \
                    ("btn_take_over", f"takeover:take:{buyer_conversation.id}")
                notification.buttons = [*notification.buttons, [button]]
    else:
        buyer = await session.get(Buyer, notification.buyer_id)
        if notification.conversation_id is not None:
            buyer_conversation = await session.get(Conversation, notification.conversation_id)
        if buyer is None or buyer_conversation is None:
            return None
        language, conversation, recipient = buyer.language, buyer_conversation, "buyer"
    body = render(notification.key, language, **notification.values)
    if notification.key == "seller_says" and conversation.channel is Channel.MERCADOLIBRE:
        # There the answer is posted under the seller's name: their words, with no "The seller:".
        body = str(notification.values["text"])
    buttons = [[Button(render(label, language, **notification.values), data)
                for label, data in row]
               for row in notification.buttons]
    out, row = outbound_row(conversation, body, recipient=recipient, buttons=buttons,
                            message_type=MessageType.NOTIFICATION, extra=about)
    await turns.store_counted(session, row, at=now)  # stored and counted: one statement
    return out
