"""When a webhook update counts as stored: once its message is placed in its conversation.

Telegram sends a chat's next update only after the previous POST was answered, so answering
once the raw inbox row is written would let a chat's next message overtake this one on another
worker, before either reached `messages` (whose order the turns follow). So the inbox arms a
signal for the update's handling, and the channel fires it when the conversation service has
stored the message, before the turn; for updates that never get there, the inbox fires it when
their handling ends.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

_signal: ContextVar[Callable[[], None] | None] = ContextVar("placed_signal", default=None)


def arm(fire: Callable[[], None]) -> None:
    """For the rest of this update's handling (the task that handles it)."""
    _signal.set(fire)


def fire() -> None:
    """The message is placed (or its handling ended): the webhook POST may be answered."""
    callback = _signal.get()
    if callback is not None:
        callback()
