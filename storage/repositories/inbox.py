"""The raw inbox: store an update once, mark it handled, find the ones still to handle."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Channel, InboxUpdate

# One round trip: the new row, or (a redelivery) the row stored first. A row another
# transaction is inserting at this moment is not visible yet: no row, and the caller treats the
# update as a duplicate that someone else is storing.
_STORE = text("""
WITH inserted AS (
    INSERT INTO inbox_updates (channel, external_id, update_id, payload)
    VALUES (:channel, :external_id, :update_id, :payload)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING id, handled_at
)
SELECT id, true AS fresh, handled_at FROM inserted
UNION ALL
SELECT id, false, handled_at FROM inbox_updates
 WHERE channel = :channel AND external_id = :external_id AND NOT EXISTS (SELECT FROM inserted)
""").bindparams(bindparam("payload", type_=JSONB))


@dataclass(frozen=True)
class StoredUpdate:
    id: uuid.UUID | None  # None: another worker is storing it right now
    fresh: bool
    handled: bool


async def store(bind: AsyncConnection | AsyncSession, *, channel: Channel, external_id: str,
                update_id: int, payload: dict[str, Any]) -> StoredUpdate:
    row = (await bind.execute(_STORE, {
        "channel": channel.value, "external_id": external_id, "update_id": update_id,
        "payload": payload})).first()
    if row is None:
        return StoredUpdate(None, fresh=False, handled=False)
    return StoredUpdate(row.id, fresh=bool(row.fresh), handled=row.handled_at is not None)


async def mark_handled(bind: AsyncConnection | AsyncSession, update_id: uuid.UUID,
                       at: datetime) -> None:
    await bind.execute(update(InboxUpdate).where(InboxUpdate.id == update_id)
                       .values(handled_at=at))


async def note_failure(bind: AsyncConnection | AsyncSession, update_id: uuid.UUID,
                       error: str) -> None:
    await bind.execute(update(InboxUpdate).where(InboxUpdate.id == update_id).values(
        attempts=InboxUpdate.attempts + 1, last_error=error[:2000]))


async def get(session: AsyncSession, update_id: uuid.UUID) -> InboxUpdate | None:
    return await session.get(InboxUpdate, update_id)


async def pending(session: AsyncSession, received_before: datetime, limit: int = 1000
                  ) -> Sequence[InboxUpdate]:
    """Updates not handled yet that arrived before the given time, oldest first."""
    return (await session.scalars(
        select(InboxUpdate).where(InboxUpdate.handled_at.is_(None),
                                  InboxUpdate.received_at < received_before)
        .order_by(InboxUpdate.received_at).limit(limit))).all()
