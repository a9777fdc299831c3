"""A turn's trips to the database on the path of every message, one statement each.

`store_in_known_chat` stores an inbound message in its chat's existing conversation and counts
it (with no transaction around it: one round trip); the turn's snapshot is read by
`turn_snapshot.read_turn`; `finish_turn` marks the inbound processed,
counts the reply and writes the turn's conversation fields against the version the turn read,
then stores the reply; `store_counted` stores and counts any other bot message (a
notification). All are built once, with bind parameters:
building a statement and computing its cache key costs SQLAlchemy more than running it (the
key is memoized on the statement object), and a plain statement skips the ORM's flush.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    Author,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageType,
)

_MESSAGES = Message.__table__
_CONVERSATIONS = Conversation.__table__


@dataclass(frozen=True)
class StoredInbound:
    id: uuid.UUID
    conversation_id: uuid.UUID


def _stored_in(conversation: Select[Any]) -> Select[Any]:
    """Insert the message into the conversation `conversation` selects (its `id`), unless the
    channel already holds its external id; count it on the conversation; return its ids."""
    target = conversation.cte("target")
    columns = ("channel", "direction", "author", "external_message_id", "text", "message_type",
               "entities")
    stored = (
        insert(_MESSAGES)
        .from_select(["conversation_id", *columns], select(
            target.c.id,
            # not named after columns: an UPDATE would take such a parameter for a SET value
            *(bindparam(f"new_{name}", type_=_MESSAGES.c[name].type) for name in columns)))
        .on_conflict_do_nothing(index_elements=["channel", "external_message_id"])
        .returning(_MESSAGES.c.id, _MESSAGES.c.conversation_id)
        .cte("stored")
    )
    counted = (
        update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == stored.c.conversation_id)
        .values(message_count=_CONVERSATIONS.c.message_count + 1,
                last_message_at=bindparam("new_at"))
        .cte("counted")
    )
    return select(stored.c.id, stored.c.conversation_id).add_cte(counted)


_IN_CHAT = (_CONVERSATIONS.c.channel == bindparam("new_channel"),
            _CONVERSATIONS.c.external_chat_id == bindparam("chat_id"))
# The buyer's free text goes to the product chat used last (conversations.latest_buyer_chat).
_STORE_FOR_BUYER = _stored_in(
    select(_CONVERSATIONS.c.id)
    .where(*_IN_CHAT, _CONVERSATIONS.c.kind == literal(ConversationKind.BUYER_CHAT,
                                                       _CONVERSATIONS.c.kind.type))
    .order_by(_CONVERSATIONS.c.last_message_at.desc().nullslast(),
              _CONVERSATIONS.c.created_at.desc())
    .limit(1))
# The seller's messages go to their assistant conversation (the one about no product).
_STORE_FOR_SELLER = _stored_in(
    select(_CONVERSATIONS.c.id)
    .where(*_IN_CHAT, _CONVERSATIONS.c.kind == literal(ConversationKind.SELLER_ASSISTANT,
                                                       _CONVERSATIONS.c.kind.type),
           _CONVERSATIONS.c.product_id.is_(None)))


async def store_in_known_chat(
    bind: AsyncConnection | AsyncSession, *, author: Author, channel: Channel, chat_id: str,
    external_message_id: str, text: str, message_type: MessageType,
    entities: dict[str, Any], at: datetime,
) -> StoredInbound | None:
    """Store a seller's message, or a buyer's free text, in the chat's conversation and count
    it there. None when there is no such conversation yet or the message is already stored
    (a redelivery): the caller takes the general way (`add_inbound`)."""
    statement = _STORE_FOR_SELLER if author is Author.SELLER else _STORE_FOR_BUYER
    row = (await bind.execute(statement, {
        "new_channel": channel, "chat_id": chat_id, "new_direction": Direction.INBOUND,
        "new_author": author, "new_external_message_id": external_message_id,
        "new_text": text, "new_message_type": message_type, "new_entities": entities,
        "new_at": at,
    })).first()
    return StoredInbound(row[0], row[1]) if row is not None else None


TURN_FIELDS = ("state", "status", "detected_intent", "summary", "open_questions",
               "negotiated_price", "meeting_place", "meeting_time", "flagged", "fraud_signals")
_PROCESSED = (update(_MESSAGES).where(_MESSAGES.c.id == bindparam("inbound_id"),
                                      _MESSAGES.c.processed_at.is_(None))
              .values(processed_at=bindparam("done_at"))
              .returning(_MESSAGES.c.id).cte("processed"))
_COUNTED = (update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.id == bindparam("turn_conversation"),
                   _CONVERSATIONS.c.version == bindparam("read_version"))
            .values(message_count=_CONVERSATIONS.c.message_count + bindparam("replies"),
                    last_message_at=bindparam("done_at"),
                    version=_CONVERSATIONS.c.version + 1,
                    **{name: bindparam(f"turn_{name}", type_=_CONVERSATIONS.c[name].type)
                       for name in TURN_FIELDS})
            .returning(_CONVERSATIONS.c.version).cte("counted"))
_FINISH = select(select(func.count()).select_from(_PROCESSED).scalar_subquery(),
                 select(_COUNTED.c.version).scalar_subquery())
REPLY_COLUMNS = ("id", "conversation_id", "channel", "direction", "author", "text", "buttons",
                 "reply_to_id", "message_type", "tool_calls", "input_tokens", "output_tokens",
                 "cost_usd", "latency_ms", "model")
_STORE_REPLY = insert(_MESSAGES).values(
    {name: bindparam(f"reply_{name}", type_=_MESSAGES.c[name].type) for name in REPLY_COLUMNS})


class StaleTurn(Exception):
    """The conversation changed since the turn read it: its final write is refused."""


class AlreadyAnswered(Exception):
    """Another run of the turn marked the inbound processed first."""


# Any other bot message (a notification): stored and counted on its conversation.
STORED_COLUMNS = ("id", "conversation_id", "channel", "direction", "author", "text", "buttons",
                  "reply_to_id", "message_type", "entities")
_STORE_COUNTED = (
    insert(_MESSAGES)
    .values({name: bindparam(f"row_{name}", type_=_MESSAGES.c[name].type)
             for name in STORED_COLUMNS})
    .add_cte(update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("counted_in"))
             .values(message_count=_CONVERSATIONS.c.message_count + 1,
                     last_message_at=bindparam("counted_at")).cte("counted"))
)


async def store_counted(session: AsyncSession, row: dict[str, Any], *, at: datetime) -> None:
    """Store a bot message (a messages row: STORED_COLUMNS, `entities` may be left out) and
    count it on its conversation at `at`: one statement."""
    await session.execute(_STORE_COUNTED, {
        "counted_in": row["conversation_id"], "counted_at": at,
        **{f"row_{name}": row.get(name, {} if name == "entities" else None)
           for name in STORED_COLUMNS}})


async def finish_turn(session: AsyncSession, *, inbound_id: uuid.UUID,
                      conversation: Conversation, reply: dict[str, Any] | None, at: datetime
                      ) -> None:
    """In the turn's final transaction: mark the inbound processed at `at`, count the reply
    and write the conversation's TURN_FIELDS as they are now, checked against the version the
    turn read (one statement), then store `reply` (a messages row: REPLY_COLUMNS).

    Raises `StaleTurn` when the conversation moved on (the caller rolls back and runs the turn
    again on fresh rows) and `AlreadyAnswered` when the inbound was processed meanwhile."""
    params: dict[str, Any] = {
        "inbound_id": inbound_id, "turn_conversation": conversation.id, "done_at": at,
        "read_version": conversation.version, "replies": 1 if reply is not None else 0,
        **{f"turn_{name}": getattr(conversation, name) for name in TURN_FIELDS}}
    processed, version = (await session.execute(_FINISH, params)).one()
    if not processed:
        raise AlreadyAnswered(str(inbound_id))
    if version is None:
        raise StaleTurn(f"conversation {conversation.id} moved past version "
                        f"{conversation.version}")
    if reply is not None:
        await session.execute(_STORE_REPLY, {f"reply_{name}": reply[name]
                                             for name in REPLY_COLUMNS})
    for name in TURN_FIELDS:
        set_committed_value(conversation, name, params[f"turn_{name}"])
    set_committed_value(conversation, "version", version)
