"""What is sold: products, their images, generated listings and publications."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import (
    Base,
    Condition,
    Json,
    Marketplace,
    Money,
    Timestamps,
    UUIDKey,
    pg_enum,
)
from storage.product_status import ProductStatus


def new_public_ref() -> str:
    """The product's deep-link payload: short, unguessable, Telegram-safe characters."""
    return "p" + secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


class Product(UUIDKey, Timestamps, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
        CheckConstraint(
            "min_price IS NULL OR (price IS NOT NULL AND min_price > 0 AND min_price <= price)",
            name="min_price_within_price",
        ),
        CheckConstraint("sold_price IS NULL OR sold_price > 0", name="sold_price_positive"),
        CheckConstraint("title IS NULL OR char_length(btrim(title)) BETWEEN 1 AND 120",
                        name="title_length"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("char_length(prompt_text) <= 4000", name="prompt_text_length"),
        CheckConstraint(
            "processing_completed_at IS NULL OR processing_started_at IS NULL "
            "OR processing_completed_at >= processing_started_at",
            name="processing_time_order",
        ),
        CheckConstraint("views_count >= 0", name="views_count_positive"),
        Index("ix_products_seller_id_status", "seller_id", "status"),
        Index("ix_products_attributes", "attributes", postgresql_using="gin"),
    )

    seller_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), index=True
    )
    public_ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_ref)
    status: Mapped[ProductStatus] = mapped_column(
        pg_enum(ProductStatus, "product_status"), server_default=ProductStatus.DRAFT.value,
        index=True,
    )
    prompt_text: Mapped[str] = mapped_column(Text, server_default="")
    # Text, not String(n): the named CHECK is the one length guard (a varchar limit would refuse
    # first, with an untyped "value too long" error instead of the constraint name).
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[str | None] = mapped_column(String(40))
    category_name: Mapped[str | None] = mapped_column(String(200))
    condition: Mapped[Condition] = mapped_column(
        pg_enum(Condition, "item_condition"), server_default=Condition.NOT_SPECIFIED.value
    )
    price: Mapped[Money | None]
    min_price: Mapped[Money | None]
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    attributes: Mapped[Json]
    processing_started_at: Mapped[datetime | None]
    processing_completed_at: Mapped[datetime | None]
    processing_error: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime | None]
    reserved_until: Mapped[datetime | None]
    sold_at: Mapped[datetime | None]
    sold_price: Mapped[Money | None]
    views_count: Mapped[int] = mapped_column(server_default=text("0"))

    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProductImage.position",
    )


class ProductImage(UUIDKey, Base):
    __tablename__ = "product_images"
    __table_args__ = (
        Index(
            "uq_product_images_one_primary", "product_id", unique=True,
            postgresql_where=text("is_primary"),
        ),
        CheckConstraint("size_bytes IS NULL OR size_bytes > 0", name="size_positive"),
        CheckConstraint("width IS NULL OR width > 0", name="width_positive"),
        CheckConstraint("height IS NULL OR height > 0", name="height_positive"),
        CheckConstraint(
            "format IS NULL OR format IN ('jpg', 'jpeg', 'png', 'webp', 'gif')",
            name="format_supported",
        ),
        CheckConstraint("storage_key IS NOT NULL OR telegram_file_id IS NOT NULL",
                        name="has_source"),
        Index("ix_product_images_processing_metadata", "processing_metadata",
              postgresql_using="gin"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str | None] = mapped_column(Text)
    telegram_file_id: Mapped[str | None] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(server_default=text("false"))
    position: Mapped[int] = mapped_column(server_default=text("0"))
    size_bytes: Mapped[int | None]
    format: Mapped[str | None] = mapped_column(String(10))
    width: Mapped[int | None]
    height: Mapped[int | None]
    processing_metadata: Mapped[Json]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))

    product: Mapped[Product] = relationship(back_populates="images")


class Listing(UUIDKey, Base):
    """One generated version of a product's listing; exactly one is active."""

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("product_id", "version"),
        Index("uq_listings_one_active", "product_id", unique=True,
              postgresql_where=text("is_active")),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 10 AND 60", name="title_length"),
        CheckConstraint("char_length(btrim(description)) >= 50", name="description_length"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        CheckConstraint("suggested_price IS NULL OR suggested_price > 0",
                        name="suggested_price_positive"),
        CheckConstraint("generation_ms IS NULL OR generation_ms >= 0",
                        name="generation_ms_positive"),
        Index("ix_listings_attributes", "attributes", postgresql_using="gin"),
        Index("ix_listings_confidence_breakdown", "confidence_breakdown",
              postgresql_using="gin"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    is_active: Mapped[bool] = mapped_column(server_default=text("false"))
    title: Mapped[str] = mapped_column(Text)  # length guarded by ck_listings_title_length
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[str | None] = mapped_column(String(40))
    category_name: Mapped[str | None] = mapped_column(String(200))
    condition: Mapped[Condition] = mapped_column(
        pg_enum(Condition, "item_condition"), server_default=Condition.NOT_SPECIFIED.value
    )
    suggested_price: Mapped[Money | None]
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    attributes: Mapped[Json]
    confidence: Mapped[Decimal] = mapped_column(Numeric(3, 2), server_default=text("0"))
    confidence_breakdown: Mapped[Json]
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(100))
    generation_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class Publication(UUIDKey, Timestamps, Base):
    """A product on one marketplace."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("product_id", "marketplace"),)

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    marketplace: Mapped[Marketplace] = mapped_column(pg_enum(Marketplace, "marketplace"))
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    permalink: Mapped[str | None] = mapped_column(Text)
    external_status: Mapped[str | None] = mapped_column(String(30))
    last_synced_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(80))
