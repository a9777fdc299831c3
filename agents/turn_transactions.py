"""A turn's short transactions: how tools and buttons open them and record their effects.

Each transaction names the turn's speaker for the audit triggers, stores the notifications its
domain code produced as outbox rows (undelivered `messages`) before it commits, and closes: no
connection outlives it. `effect` adds the journal (storage/repositories/turn_effects.py): an
effect is keyed to the inbound message and to its place among the turn's calls of that name, so
a turn run again after a crash or a stale refusal replays what a run before it committed (the
tool's result, the events, buttons and conversation fields it set, the notifications it stored)
instead of recording a second offer, reserving twice or notifying the seller twice.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.outbox import OutboundMessage, buttons_json, deliver_notification
from agents.turn_context import Button, TurnContext
from storage.database import set_audit_actor
from storage.models import Channel
from storage.repositories import turn_effects

# The conversation fields a tool may set on the turn's snapshot; the final write stores them.
TRACKED_FIELDS = ("open_questions", "negotiated_price", "meeting_place", "meeting_time",
                  "flagged", "fraud_signals")


@dataclass(frozen=True)
class _Mark:
    events: int
    buttons: object
    fields: dict[str, Any]


class SessionTransactions:
    """`TurnTransactions` on a session factory."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    @asynccontextmanager
    async def transaction(self, ctx: TurnContext) -> AsyncIterator[AsyncSession]:
        if ctx.open_session is not None and ctx.owner_task is asyncio.current_task():
            raise RuntimeError("a turn's transactions do not nest")
        # Tools the model calls in parallel take turns: one session per turn at a time.
        async with ctx.serial, self.session_factory() as session, session.begin():
            ctx.open_session, ctx.owner_task = session, asyncio.current_task()
            try:
                if ctx.actor:
                    await set_audit_actor(session, ctx.actor)
                yield session
                await store_notifications(ctx, session)
            finally:
                ctx.open_session = ctx.owner_task = None

    async def effect(self, ctx: TurnContext, name: str,
                     action: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        number = ctx.calls.get(name, 0)
        ctx.calls[name] = number + 1
        key = f"{name}#{number}"
        async with self.transaction(ctx) as session:
            if ctx.inbound_id is None:  # a context built outside a turn (unit tests)
                return await action()
            recorded = await turn_effects.claim(session, ctx.inbound_id, key)
            if recorded is not None:
                await _replay(ctx, session, recorded)
                return dict(recorded.get("result") or {})
            mark = _mark(ctx)
            result = await action()
            stored = await store_notifications(ctx, session)
            await turn_effects.record(session, ctx.inbound_id, key,
                                      _outcome(ctx, mark, result, stored))
        return result


async def store_notifications(ctx: TurnContext, session: AsyncSession
                              ) -> list[OutboundMessage]:
    """The notifications produced so far, stored in the open transaction (outbox rows)."""
    stored: list[OutboundMessage] = []
    pending, ctx.notifications = ctx.notifications, []
    for notification in pending:
        out = await deliver_notification(session, notification, now=ctx.now(),
                                         buyer_conversation=ctx.conversation)
        if out is not None:
            stored.append(out)
    ctx.deliveries.extend(stored)
    return stored


def _mark(ctx: TurnContext) -> _Mark:
    return _Mark(len(ctx.events), ctx.buttons,
                 {name: _encode(getattr(ctx.conversation, name)) for name in TRACKED_FIELDS})


def _encode(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _outcome(ctx: TurnContext, mark: _Mark, result: dict[str, Any],
             stored: list[OutboundMessage]) -> dict[str, Any]:
    fields = {name: value for name in TRACKED_FIELDS
              if (value := _encode(getattr(ctx.conversation, name))) != mark.fields[name]}
    outcome: dict[str, Any] = {
        "result": _encode(result), "events": ctx.events[mark.events:], "fields": fields,
        "deliveries": [{"id": str(out.message_id), "channel": out.channel.value,
                        "chat_id": out.chat_id, "text": out.text, "recipient": out.recipient,
                        "buttons": buttons_json(out.buttons)} for out in stored]}
    if ctx.buttons is not mark.buttons:
        outcome["buttons"] = buttons_json(ctx.buttons)
    return outcome


async def _replay(ctx: TurnContext, session: AsyncSession, outcome: dict[str, Any]) -> None:
    """What a committed run of this effect did to the turn, done to this run's context."""
    ctx.events.extend(outcome.get("events") or [])
    if "buttons" in outcome:
        ctx.buttons = _buttons(outcome["buttons"])
    for name, value in (outcome.get("fields") or {}).items():
        if name == "negotiated_price" and value is not None:
            value = Decimal(value)
        setattr(ctx.conversation, name, value)
    deliveries = outcome.get("deliveries") or []
    waiting = await turn_effects.undelivered(session, [uuid.UUID(d["id"]) for d in deliveries])
    # Still unsent: handed to the channel with this run's result (sent ones are not repeated).
    ctx.deliveries.extend(
        OutboundMessage(uuid.UUID(d["id"]), Channel(d["channel"]), d["chat_id"], d["text"],
                        d["recipient"], _buttons(d["buttons"]))
        for d in deliveries if uuid.UUID(d["id"]) in waiting)


def _buttons(rows: list[list[dict[str, str]]]) -> list[list[Button]]:
    return [[Button(b["text"], b["callback_data"]) for b in row] for row in rows]
