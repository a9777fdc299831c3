"""The people: sellers and buyers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Json, Timestamps, UUIDKey


class Seller(UUIDKey, Timestamps, Base):
    __tablename__ = "sellers"
    __table_args__ = (
        CheckConstraint("floor_ratio > 0 AND floor_ratio <= 1", name="floor_ratio_range"),
        CheckConstraint("language IN ('es', 'en')", name="language_supported"),
    )

    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5), server_default="es")
    # Default floor as a share of the asking price, when a product has no min_price.
    floor_ratio: Mapped[Decimal] = mapped_column(Numeric(4, 3), server_default=text("0.85"))
    # Per-seller overrides of the negotiation policy (lowball ratio, rounds, rounding).
    negotiation: Mapped[Json]
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))


class Buyer(UUIDKey, Timestamps, Base):
    __tablename__ = "buyers"
    __table_args__ = (
        UniqueConstraint("marketplace", "marketplace_user_id"),
        CheckConstraint(
            "telegram_id IS NOT NULL OR marketplace_user_id IS NOT NULL", name="has_identity"
        ),
        CheckConstraint("trust_score >= 0 AND trust_score <= 1", name="trust_score_range"),
        CheckConstraint("conversation_count >= 0", name="conversation_count_positive"),
        CheckConstraint("purchase_count >= 0", name="purchase_count_positive"),
        Index("ix_buyers_profile", "profile", postgresql_using="gin"),
    )

    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    marketplace: Mapped[str | None] = mapped_column(String(30))
    marketplace_user_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5), server_default="es")
    is_verified: Mapped[bool] = mapped_column(server_default=text("false"))
    is_blocked: Mapped[bool] = mapped_column(server_default=text("false"))
    trust_score: Mapped[Decimal] = mapped_column(Numeric(3, 2), server_default=text("0.5"))
    conversation_count: Mapped[int] = mapped_column(server_default=text("0"))
    purchase_count: Mapped[int] = mapped_column(server_default=text("0"))
    profile: Mapped[Json]
