"""The turn's snapshot: one statement, locking nothing, reads everything a turn starts from.

`read_turn` reads the inbound message with its conversation, product, seller and buyer, the
recent history, the conversation's offers and the chat's earlier unanswered messages, as JSON
aggregates in one round trip (the statement is built once, with bind parameters).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    bindparam,
    cast,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Buyer,
    Conversation,
    Direction,
    Message,
    MessageType,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    Seller,
)


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
