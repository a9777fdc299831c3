"""The raw inbox: every update that reached the bot, stored before anything that can fail.

A row is written by the first step of the Dispatcher (no profile, FSM, Redis or model yet), keyed
by channel + the message's or callback's external id, so its uniqueness is the dedupe of
redelivered updates. `handled_at` is set once the update's handlers returned; a row without it
is an update still to be (re)processed (a failure, a crash, a throttled message).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Channel, UUIDKey, pg_enum


class InboxUpdate(UUIDKey, Base):
    __tablename__ = "inbox_updates"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_inbox_updates_pending", "received_at",
              postgresql_where=sql_text("handled_at IS NULL")),
    )

    channel: Mapped[Channel] = mapped_column(pg_enum(Channel, "channel"))
    external_id: Mapped[str] = mapped_column(String(128))  # "chat:message" or "cb:query"
    update_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the update as Telegram sent it
    attempts: Mapped[int] = mapped_column(server_default=sql_text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=sql_text("clock_timestamp()"))
    handled_at: Mapped[datetime | None]
