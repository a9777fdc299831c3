"""The journal of a turn's committed tool effects (`turn_effects`), keyed to the inbound.

`claim` runs first in a tool's transaction: it inserts the (inbound, key) row or, when a run of
the same turn already committed one, returns that run's outcome. A second run racing the first
waits on the unique index until the first commits, then reads its outcome: the effect happens
once whatever the timing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Direction, Message, TurnEffect

# parameters not named after columns: an INSERT or UPDATE would take them for its values
_CLAIM = (insert(TurnEffect).values(inbound_id=bindparam("for_inbound"),
                                    key=bindparam("effect_key"))
          .on_conflict_do_nothing(index_elements=["inbound_id", "key"])
          .returning(TurnEffect.id))
_OUTCOME = select(TurnEffect.outcome).where(TurnEffect.inbound_id == bindparam("for_inbound"),
                                            TurnEffect.key == bindparam("effect_key"))
_RECORD = (update(TurnEffect).where(TurnEffect.inbound_id == bindparam("for_inbound"),
                                    TurnEffect.key == bindparam("effect_key"))
           .values(outcome=bindparam("new_outcome", type_=TurnEffect.outcome.type)))


async def claim(session: AsyncSession, inbound_id: uuid.UUID, key: str
                ) -> dict[str, Any] | None:
    """None: the effect is this transaction's to perform (then `record` it); else the outcome
    a run of this turn already committed."""
    params = {"for_inbound": inbound_id, "effect_key": key}
    if (await session.execute(_CLAIM, params)).first() is not None:
        return None
    outcome = await session.scalar(_OUTCOME, params)
    return dict(outcome or {})


async def record(session: AsyncSession, inbound_id: uuid.UUID, key: str,
                 outcome: dict[str, Any]) -> None:
    await session.execute(_RECORD, {"for_inbound": inbound_id, "effect_key": key,
                                    "new_outcome": outcome})


async def undelivered(session: AsyncSession, message_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these bot messages are still waiting to be sent."""
    if not message_ids:
        return set()
    rows = await session.scalars(select(Message.id).where(
        Message.id.in_(message_ids), Message.direction == Direction.OUTBOUND,
        Message.delivered_at.is_(None)))
    return set(rows)
