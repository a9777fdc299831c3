"""What the model is shown of the past: a window of recent messages and a rolling summary.

The window has a fixed length and the summary a fixed budget, so the prompt stays bounded however
long a conversation runs. The summary is built from stored facts (offers, meeting, questions),
not by a model, so it cannot drift or invent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agents.turn_context import money
from storage.models import Conversation, Direction, MessageType, OfferParty, OfferStatus

SUMMARY_BUDGET = 600  # characters


class WindowMessage(Protocol):
    """A stored message as the window reads it (a `Message` row, or the turn's light copy)."""

    @property
    def direction(self) -> Direction: ...
    @property
    def text(self) -> str | None: ...
    @property
    def message_type(self) -> MessageType: ...


class OfferRecord(Protocol):
    """An offer as the summary tells it (an `Offer` row, or the turn's light copy)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def made_by(self) -> OfferParty: ...
    @property
    def status(self) -> OfferStatus: ...


def window_messages(messages: Sequence[WindowMessage]) -> list[BaseMessage]:
    """Stored messages as chat messages: inbound → human, outbound → AI (text only)."""
    history: list[BaseMessage] = []
    for message in messages:
        content = message.text or f"[{message.message_type.value}]"
        if message.direction is Direction.INBOUND:
            history.append(HumanMessage(content))
        else:
            history.append(AIMessage(content))
    return history


def rolling_summary(conversation: Conversation, offers: Sequence[OfferRecord],
                    older_count: int) -> str:
    """Facts worth keeping once their messages leave the window."""
    parts: list[str] = []
    if older_count > 0:
        parts.append(f"{older_count} earlier messages.")
    if offers:
        trail = ", ".join(f"{o.made_by.value} {money(o.amount)} ({o.status.value})"
                          for o in offers[-6:])
        parts.append(f"Offers so far: {trail}.")
    if conversation.meeting_place:
        parts.append(f"Meeting proposed: {conversation.meeting_place}, "
                     f"{conversation.meeting_time or 'time open'}.")
    if conversation.detected_intent:
        parts.append(f"Last intent: {conversation.detected_intent}.")
    summary = " ".join(parts)
    return summary[:SUMMARY_BUDGET]


def inbound_content(text: str, photo_count: int) -> str:
    """The human message as the model sees it; photos are announced, not inlined."""
    if photo_count:
        return f"{text}\n[photos: {photo_count}]".strip()
    return text
