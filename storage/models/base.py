"""Declarative base with the naming convention, shared column types and enums."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from sqlalchemy import DateTime, Enum, MetaData, Numeric, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
Json = Annotated[dict[str, Any], mapped_column(JSONB, server_default=text("'{}'::jsonb"))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


def pg_enum(enum_cls: type[StrEnum], name: str) -> Enum:
    """A PostgreSQL enum whose labels are the Python values (lowercase), not member names."""
    return Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UUIDKey:
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Condition(StrEnum):
    NEW = "new"
    USED = "used"
    NOT_SPECIFIED = "not_specified"


class Marketplace(StrEnum):
    CATALOG = "catalog"
    MERCADOLIBRE = "mercadolibre"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    MERCADOLIBRE = "mercadolibre"


class ConversationKind(StrEnum):
    SELLER_ASSISTANT = "seller_assistant"
    BUYER_CHAT = "buyer_chat"


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    ARCHIVED = "archived"


class ConversationState(StrEnum):
    NEW = "new"
    EXPLORING = "exploring"
    NEGOTIATING = "negotiating"
    COMMITTED = "committed"
    COORDINATING = "coordinating"
    CLOSED = "closed"
    ABANDONED = "abandoned"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    BOT = "bot"
    SYSTEM = "system"


class MessageType(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    PHOTO = "photo"
    CALLBACK = "callback"
    STICKER = "sticker"
    VOICE = "voice"
    DOCUMENT = "document"
    NOTIFICATION = "notification"
    SYSTEM = "system"


class OfferParty(StrEnum):
    BUYER = "buyer"
    BOT = "bot"
    SELLER = "seller"


class OfferStatus(StrEnum):
    PENDING = "pending"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class ActorKind(StrEnum):
    SELLER = "seller"
    BUYER = "buyer"
