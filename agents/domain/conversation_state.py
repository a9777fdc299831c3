"""Where a buyer conversation stands, and how events move it.

new -> exploring (questions) -> negotiating (offers) -> committed (an offer accepted) ->
coordinating (arranging the handover) -> closed (sold or cancelled). Silence for ABANDON_AFTER
makes any open conversation abandoned; a buyer who writes again revives it. closed is terminal.

The values equal storage's ConversationState (same names, same strings), so either converts to
the other with ConversationState(value); this module imports no framework.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

ABANDON_AFTER = timedelta(hours=48)


class ConversationState(StrEnum):
    NEW = "new"
    EXPLORING = "exploring"
    NEGOTIATING = "negotiating"
    COMMITTED = "committed"
    COORDINATING = "coordinating"
    CLOSED = "closed"
    ABANDONED = "abandoned"


class ConversationEvent(StrEnum):
    MESSAGE = "message"  # any buyer message the other events do not describe
    QUESTION = "question"  # the buyer asks about the product
    OFFER = "offer"  # the buyer makes an offer
    COUNTER = "counter"  # the bot (or seller) counters
    OFFER_ACCEPTED = "offer_accepted"  # a price is agreed (offer or counter accepted)
    MEETING_PROPOSED = "meeting_proposed"  # a place and time for the handover is proposed
    SOLD = "sold"
    CANCELLED = "cancelled"
    INACTIVITY = "inactivity"  # silence for ABANDON_AFTER


_S, _E = ConversationState, ConversationEvent

# Events that move an open conversation whatever its state.
_FROM_ANY_OPEN = {
    _E.SOLD: _S.CLOSED,
    _E.CANCELLED: _S.CLOSED,
    _E.INACTIVITY: _S.ABANDONED,
    _E.OFFER_ACCEPTED: _S.COMMITTED,
}

# The rest, per state; an event missing here leaves the state as it is.
_TRANSITIONS: dict[ConversationState, dict[ConversationEvent, ConversationState]] = {
    _S.NEW: {
        _E.MESSAGE: _S.EXPLORING,
        _E.QUESTION: _S.EXPLORING,
        _E.MEETING_PROPOSED: _S.EXPLORING,  # "can I see it tomorrow?" is still exploring
        _E.OFFER: _S.NEGOTIATING,
        _E.COUNTER: _S.NEGOTIATING,
    },
    _S.EXPLORING: {
        _E.OFFER: _S.NEGOTIATING,
        _E.COUNTER: _S.NEGOTIATING,
    },
    _S.NEGOTIATING: {},
    # A deal stands until it is sold or cancelled: further offers do not reopen it.
    _S.COMMITTED: {
        _E.MEETING_PROPOSED: _S.COORDINATING,
    },
    _S.COORDINATING: {
        _E.OFFER_ACCEPTED: _S.COORDINATING,  # re-confirming the price keeps the meeting
    },
    # A buyer coming back: a price talk resumes negotiating, anything else starts over exploring
    # (a reservation has lapsed by then, so a deal must be agreed again).
    _S.ABANDONED: {
        _E.MESSAGE: _S.EXPLORING,
        _E.QUESTION: _S.EXPLORING,
        _E.MEETING_PROPOSED: _S.EXPLORING,
        _E.OFFER: _S.NEGOTIATING,
        _E.COUNTER: _S.NEGOTIATING,
    },
}


def next_state(
    current: ConversationState | str, event: ConversationEvent | str
) -> ConversationState:
    """The state after event; closed stays closed. Unknown names raise ValueError."""
    try:
        state = ConversationState(current)
    except ValueError:
        raise ValueError(f"unknown conversation state: {current!r}") from None
    try:
        happened = ConversationEvent(event)
    except ValueError:
        raise ValueError(f"unknown conversation event: {event!r}") from None
    if state is ConversationState.CLOSED:
        return state
    specific = _TRANSITIONS[state].get(happened)
    if specific is not None:
        return specific
    return _FROM_ANY_OPEN.get(happened, state)


def is_abandoned(last_message_at: datetime, now: datetime) -> bool:
    """Whether a conversation silent since last_message_at counts as abandoned at now."""
    if (last_message_at.utcoffset() is None) != (now.utcoffset() is None):
        raise ValueError("last_message_at and now must both be timezone-aware or both naive")
    return now - last_message_at >= ABANDON_AFTER
