"""A turn's trips to the database on the path of every message, one statement each.

`store_in_known_chat` stores an inbound message in its chat's existing conversation and counts
it (with no transaction around it: one round trip); `read_turn` reads everything the turn
starts from, locking nothing (the turn's snapshot); `finish_turn` marks the inbound processed,
counts the reply and writes the turn's conversation fields against the version the turn read,
then stores the reply; `store_counted` stores and counts any other bot message (a
notification). All are built once, with bind parameters:
building a statement and computing its cache key costs SQLAlchemy more than running it (the
key is memoized on the statement object), and a plain statement skips the ORM's flush.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    Author,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageType,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    Seller,
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


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    """A message of the window the model sees."""

    id: uuid.UUID
    direction: Direction
    text: str
    message_type: MessageType


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """An offer as the prompt and the summary tell it."""

    amount: Decimal
    made_by: OfferParty
    status: OfferStatus


@dataclass
class TurnRows:
    """What one turn starts from: the inbound message and its conversation (read, not locked), the
    conversation's seller, buyer and product, its last messages (oldest first, the inbound
    among them) and its offers (oldest first)."""

    inbound: Message
    conversation: Conversation
    seller: Seller | None
    buyer: Buyer | None
    product: Product | None
    history: list[HistoryMessage]
    offers: list[OfferFacts]
    # inbound messages of the chat stored before this one and not answered yet, oldest first,
    # save those deferred on purpose (throttled: answered when their window reopens)
    earlier: list[uuid.UUID] = field(default_factory=list)


def _json_list(*columns: Any, order_by: Any) -> Any:
    return func.coalesce(func.json_agg(aggregate_order_by(func.json_build_array(*columns),
                                                          *order_by)),
                         text("'[]'::json"))


EARLIER_LIMIT = 20  # a chat's backlog answered ahead of one turn; the rest by their own
_RECENT = aliased(Message, name="recent")
_RECENT_ROWS = (
    select(_RECENT.id, _RECENT.direction, _RECENT.text, _RECENT.message_type, _RECENT.seq)
    .where(_RECENT.conversation_id == Conversation.id).correlate(Conversation)
    .order_by(_RECENT.seq.desc()).limit(bindparam("history")).lateral("window")
)
_HISTORY = select(_json_list(
    _RECENT_ROWS.c.id, _RECENT_ROWS.c.direction, _RECENT_ROWS.c.text,
    _RECENT_ROWS.c.message_type, order_by=[_RECENT_ROWS.c.seq])).scalar_subquery()
_OFFER = aliased(Offer, name="offer")
_OFFERS = select(_json_list(
    cast(_OFFER.amount, String), _OFFER.made_by, _OFFER.status,
    order_by=[_OFFER.created_at, _OFFER.id])).where(
    _OFFER.conversation_id == Conversation.id).scalar_subquery()
_PENDING = aliased(Message, name="pending")
_EARLIER_ROWS = (
    select(_PENDING.id, _PENDING.seq)
    .where(_PENDING.conversation_id == Message.conversation_id,
           _PENDING.direction == Direction.INBOUND, _PENDING.processed_at.is_(None),
           _PENDING.seq < Message.seq, ~_PENDING.entities.has_key("deferred"))
    .correlate(Message).order_by(_PENDING.seq).limit(EARLIER_LIMIT).lateral("earlier_rows")
)
_EARLIER = select(func.coalesce(
    func.json_agg(aggregate_order_by(_EARLIER_ROWS.c.id, _EARLIER_ROWS.c.seq)),
    text("'[]'::json"))).scalar_subquery()
_READ_TURN = (
    select(Message, Conversation, Seller, Buyer, Product,
           type_coerce(_HISTORY, JSON), type_coerce(_OFFERS, JSON), type_coerce(_EARLIER, JSON))
    .join(Conversation, Conversation.id == Message.conversation_id)
    .outerjoin(Seller, Seller.id == Conversation.seller_id)
    .outerjoin(Buyer, Buyer.id == Conversation.buyer_id)
    .outerjoin(Product, Product.id == Conversation.product_id)
    .where(Message.id == bindparam("message_id"))
)


async def read_turn(session: AsyncSession, message_id: uuid.UUID, *, history: int
                    ) -> TurnRows | None:
    """Read everything a turn starts from (the inbound, its conversation with its version,
    seller, buyer, product, the last `history` messages, the offers, the chat's earlier
    messages still unanswered) in one statement, locking nothing: the turn runs on this
    snapshot, deciding on fresh rows in each tool's own transaction and checking the version
    at its final write."""
    row = (await session.execute(_READ_TURN, {"message_id": message_id,
                                              "history": history})).first()
    if row is None:
        return None
    return TurnRows(
        row[0], row[1], row[2], row[3], row[4],
        history=[HistoryMessage(uuid.UUID(id_), Direction(direction), text_ or "",
                                MessageType(kind)) for id_, direction, text_, kind in row[5]],
        offers=[OfferFacts(Decimal(amount), OfferParty(made_by), OfferStatus(status))
                for amount, made_by, status in row[6]],
        earlier=[uuid.UUID(id_) for id_ in row[7]],
    )


# The turn's end: the inbound marked processed (if no one did it meanwhile), the conversation's
# count and the fields a turn sets written if its version is still the one the turn read.
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
