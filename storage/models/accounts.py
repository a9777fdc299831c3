"""Marketplace credentials (encrypted at rest) and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Marketplace, Timestamps, UUIDKey, pg_enum


class MarketplaceCredential(UUIDKey, Timestamps, Base):
    __tablename__ = "marketplace_credentials"
    __table_args__ = (
        UniqueConstraint("seller_id", "marketplace"),
        CheckConstraint("app_id <> ''", name="app_id_not_empty"),
        CheckConstraint("token_type = 'bearer'", name="token_type_bearer"),
        CheckConstraint(
            "refresh_expires_at IS NULL OR expires_at IS NULL OR refresh_expires_at >= expires_at",
            name="refresh_outlives_access",
        ),
        Index("ix_marketplace_credentials_expires_at", "expires_at",
              postgresql_where=text("is_valid")),
    )

    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace: Mapped[Marketplace] = mapped_column(pg_enum(Marketplace, "marketplace"))
    app_id: Mapped[str] = mapped_column(String(64))
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_type: Mapped[str] = mapped_column(String(20), server_default="bearer")
    expires_at: Mapped[datetime | None]
    refresh_expires_at: Mapped[datetime | None]
    scopes: Mapped[str] = mapped_column(Text, server_default="offline_access read write")
    external_user_id: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str | None] = mapped_column(String(100))
    site_id: Mapped[str] = mapped_column(String(3), server_default="MLA")
    # the account's tags from `/users/me` (e.g. user_product_seller), read at connection
    account_tags: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    is_valid: Mapped[bool] = mapped_column(server_default=text("false"))
    last_validated_at: Mapped[datetime | None]
    validation_error: Mapped[str | None] = mapped_column(Text)


class AuditEntry(UUIDKey, Base):
    """Written by database triggers, so no code path can change a price unrecorded."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("operation IN ('INSERT', 'UPDATE', 'DELETE')", name="operation_known"),
        Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),
        Index("ix_audit_log_changed_at", "changed_at"),
    )

    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID]
    operation: Mapped[str] = mapped_column(String(10))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    actor: Mapped[str] = mapped_column(String(120), server_default="system")
    changed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
