"""What a turn leaves behind for its own retry: effects keyed to the inbound, and chat leases.

`turn_effects` holds one row per tool effect a turn committed, keyed by the inbound message it
answers and the call's place in the turn ("make_offer#0"): a turn re-run after a crash or a
stale refusal finds the row and replays the recorded outcome instead of acting twice.
`turn_leases` is the per-chat lock when Redis is down: a lease with an owner and an expiry,
taken and renewed in short statements, so no connection is pinned while the turn runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UUIDKey


class TurnEffect(UUIDKey, Base):
    __tablename__ = "turn_effects"
    __table_args__ = (UniqueConstraint("inbound_id", "key"),)

    inbound_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))
    # The tool's result and what it changed in the turn (events, buttons, conversation fields,
    # the notifications it stored): enough to replay it without running it again.
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONB,
                                                    server_default=sql_text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(server_default=sql_text("clock_timestamp()"))


class TurnLease(Base):
    __tablename__ = "turn_leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
