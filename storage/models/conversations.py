"""Talk: conversations, their messages, offers, and bot sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import (
    ActorKind,
    Author,
    Base,
    Channel,
    ConversationKind,
    ConversationState,
    ConversationStatus,
    Direction,
    Json,
    MessageType,
    Money,
    OfferParty,
    OfferStatus,
    Timestamps,
    UUIDKey,
    pg_enum,
)


class Conversation(UUIDKey, Timestamps, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # One conversation per chat, kind and product (NULL product = the seller assistant).
        UniqueConstraint(
            "channel", "external_chat_id", "kind", "product_id",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint(
            "kind <> 'buyer_chat' OR buyer_id IS NOT NULL",
            name="buyer_chat_has_buyer",
        ),
        CheckConstraint("kind <> 'seller_assistant' OR seller_id IS NOT NULL",
                        name="assistant_has_seller"),
        CheckConstraint("message_count >= 0", name="message_count_positive"),
        CheckConstraint("negotiated_price IS NULL OR negotiated_price > 0",
                        name="negotiated_price_positive"),
        CheckConstraint("sentiment IS NULL OR (sentiment >= -1 AND sentiment <= 1)",
                        name="sentiment_range"),
        Index("ix_conversations_status_last_message_at", "status", "last_message_at"),
        Index("ix_conversations_fraud_signals", "fraud_signals", postgresql_using="gin"),
    )

    channel: Mapped[Channel] = mapped_column(pg_enum(Channel, "channel"))
    external_chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ConversationKind] = mapped_column(pg_enum(ConversationKind, "conversation_kind"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    buyer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("buyers.id", ondelete="CASCADE"), index=True
    )
    seller_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ConversationStatus] = mapped_column(
        pg_enum(ConversationStatus, "conversation_status"),
        server_default=ConversationStatus.ACTIVE.value,
    )
    state: Mapped[ConversationState] = mapped_column(
        pg_enum(ConversationState, "conversation_state"),
        server_default=ConversationState.NEW.value,
    )
    message_count: Mapped[int] = mapped_column(server_default=sql_text("0"))
    last_message_at: Mapped[datetime | None]
    negotiated_price: Mapped[Money | None]
    meeting_place: Mapped[str | None] = mapped_column(Text)
    meeting_time: Mapped[str | None] = mapped_column(Text)
    detected_intent: Mapped[str | None] = mapped_column(String(40))
    sentiment: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    summary: Mapped[str] = mapped_column(Text, server_default="")
    human_takeover: Mapped[bool] = mapped_column(server_default=sql_text("false"))
    flagged: Mapped[bool] = mapped_column(server_default=sql_text("false"))
    fraud_signals: Mapped[list[Any]] = mapped_column(JSONB, server_default=sql_text("'[]'::jsonb"))
    # Buyer questions forwarded to the seller and not answered yet: a repeat is not sent again.
    open_questions: Mapped[list[Any]] = mapped_column(JSONB,
                                                      server_default=sql_text("'[]'::jsonb"))
    # Bumped by every ORM write and by a turn's final write, which is refused when the row
    # moved since the turn read it (a stale turn never overwrites newer state). Counting
    # messages (a plain UPDATE of message_count) leaves it alone: a follow-up does not make
    # the running turn stale.
    version: Mapped[int] = mapped_column(server_default=sql_text("1"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own dict)


class Message(UUIDKey, Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A redelivered update finds its message here and is not answered twice.
        UniqueConstraint("channel", "external_message_id"),
        CheckConstraint("input_tokens IS NULL OR input_tokens >= 0", name="input_tokens_positive"),
        CheckConstraint("output_tokens IS NULL OR output_tokens >= 0",
                        name="output_tokens_positive"),
        CheckConstraint("cost_usd IS NULL OR cost_usd >= 0", name="cost_usd_positive"),
        CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="latency_positive"),
        Index("ix_messages_conversation_id_seq", "conversation_id", "seq"),
        Index("ix_messages_unprocessed", "created_at",
              postgresql_where=sql_text("direction = 'inbound' AND processed_at IS NULL")),
        Index("ix_messages_undelivered", "created_at",
              postgresql_where=sql_text("direction = 'outbound' AND delivered_at IS NULL")),
        Index("ix_messages_entities", "entities", postgresql_using="gin"),
    )

    # Strict order of arrival, even within one transaction.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel: Mapped[Channel] = mapped_column(pg_enum(Channel, "channel"))
    direction: Mapped[Direction] = mapped_column(pg_enum(Direction, "message_direction"))
    author: Mapped[Author] = mapped_column(pg_enum(Author, "message_author"))
    external_message_id: Mapped[str | None] = mapped_column(String(128))
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    message_type: Mapped[MessageType] = mapped_column(
        pg_enum(MessageType, "message_type"), server_default=MessageType.TEXT.value
    )
    text: Mapped[str] = mapped_column(Text, server_default="")
    intent: Mapped[str | None] = mapped_column(String(40))
    entities: Mapped[Json]
    buttons: Mapped[list[Any]] = mapped_column(JSONB, server_default=sql_text("'[]'::jsonb"))
    tool_calls: Mapped[list[Any]] = mapped_column(JSONB, server_default=sql_text("'[]'::jsonb"))
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    # Estimated US dollars of the turn's hosted-model calls (listing writer included).
    cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 8))
    latency_ms: Mapped[int | None]
    model: Mapped[str | None] = mapped_column(String(100))
    processed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # Why the channel refused it for good (blocked bot, chat gone): the sender stops trying.
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sql_text("clock_timestamp()"))


class Offer(UUIDKey, Timestamps, Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("uq_offers_one_accepted", "product_id", unique=True,
              postgresql_where=sql_text("status = 'accepted'")),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        Index("ix_offers_conversation_id_created_at", "conversation_id", "created_at"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    buyer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("buyers.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Money]
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    made_by: Mapped[OfferParty] = mapped_column(pg_enum(OfferParty, "offer_party"))
    status: Mapped[OfferStatus] = mapped_column(
        pg_enum(OfferStatus, "offer_status"), server_default=OfferStatus.PENDING.value
    )
    responds_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("offers.id", ondelete="SET NULL")
    )
    responded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class BotSession(UUIDKey, Base):
    __tablename__ = "bot_sessions"
    __table_args__ = (
        CheckConstraint(
            "(actor_kind = 'seller' AND seller_id IS NOT NULL AND buyer_id IS NULL) OR "
            "(actor_kind = 'buyer' AND buyer_id IS NOT NULL AND seller_id IS NULL)",
            name="actor_matches_kind",
        ),
        CheckConstraint("message_count >= 0", name="message_count_positive"),
        CheckConstraint("expires_at >= started_at", name="expires_after_start"),
        Index("ix_bot_sessions_last_activity_at", "last_activity_at"),
    )

    actor_kind: Mapped[ActorKind] = mapped_column(pg_enum(ActorKind, "actor_kind"))
    seller_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), index=True
    )
    buyer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("buyers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(pg_enum(Channel, "channel"))
    started_at: Mapped[datetime] = mapped_column(server_default=sql_text("now()"))
    last_activity_at: Mapped[datetime] = mapped_column(server_default=sql_text("now()"))
    expires_at: Mapped[datetime]
    message_count: Mapped[int] = mapped_column(server_default=sql_text("0"))
    state: Mapped[Json]
