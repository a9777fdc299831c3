"""Conversation states: every (state, event) pair, abandonment and revival."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agents.domain.conversation_state import (
    ABANDON_AFTER,
    ConversationEvent,
    ConversationState,
    is_abandoned,
    next_state,
)

S, E = ConversationState, ConversationEvent

# The whole table, written out: one row per state, one column per event, so that a change to
# any transition shows up here.
EXPECTED: dict[ConversationState, dict[ConversationEvent, ConversationState]] = {
    S.NEW: {
        E.MESSAGE: S.EXPLORING, E.QUESTION: S.EXPLORING, E.OFFER: S.NEGOTIATING,
        E.COUNTER: S.NEGOTIATING, E.OFFER_ACCEPTED: S.COMMITTED, E.MEETING_PROPOSED: S.EXPLORING,
        E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED, E.INACTIVITY: S.ABANDONED,
    },
    S.EXPLORING: {
        E.MESSAGE: S.EXPLORING, E.QUESTION: S.EXPLORING, E.OFFER: S.NEGOTIATING,
        E.COUNTER: S.NEGOTIATING, E.OFFER_ACCEPTED: S.COMMITTED,
        E.MEETING_PROPOSED: S.EXPLORING, E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED,
        E.INACTIVITY: S.ABANDONED,
    },
    S.NEGOTIATING: {
        E.MESSAGE: S.NEGOTIATING, E.QUESTION: S.NEGOTIATING, E.OFFER: S.NEGOTIATING,
        E.COUNTER: S.NEGOTIATING, E.OFFER_ACCEPTED: S.COMMITTED,
        E.MEETING_PROPOSED: S.NEGOTIATING, E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED,
        E.INACTIVITY: S.ABANDONED,
    },
    S.COMMITTED: {
        E.MESSAGE: S.COMMITTED, E.QUESTION: S.COMMITTED, E.OFFER: S.COMMITTED,
        E.COUNTER: S.COMMITTED, E.OFFER_ACCEPTED: S.COMMITTED,
        E.MEETING_PROPOSED: S.COORDINATING, E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED,
        E.INACTIVITY: S.ABANDONED,
    },
    S.COORDINATING: {
        E.MESSAGE: S.COORDINATING, E.QUESTION: S.COORDINATING, E.OFFER: S.COORDINATING,
        E.COUNTER: S.COORDINATING, E.OFFER_ACCEPTED: S.COORDINATING,
        E.MEETING_PROPOSED: S.COORDINATING, E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED,
        E.INACTIVITY: S.ABANDONED,
    },
    S.ABANDONED: {
        E.MESSAGE: S.EXPLORING, E.QUESTION: S.EXPLORING, E.OFFER: S.NEGOTIATING,
        E.COUNTER: S.NEGOTIATING, E.OFFER_ACCEPTED: S.COMMITTED,
        E.MEETING_PROPOSED: S.EXPLORING, E.SOLD: S.CLOSED, E.CANCELLED: S.CLOSED,
        E.INACTIVITY: S.ABANDONED,
    },
    S.CLOSED: {event: S.CLOSED for event in E},
}


def test_the_table_covers_every_state_and_event() -> None:
    assert set(EXPECTED) == set(S)
    assert all(set(row) == set(E) for row in EXPECTED.values())


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [(state, event, after) for state, row in EXPECTED.items() for event, after in row.items()],
    ids=lambda value: str(value),
)
def test_transition(state: ConversationState, event: ConversationEvent,
                    expected: ConversationState) -> None:
    assert next_state(state, event) is expected


def test_plain_strings_from_the_database_work() -> None:
    assert next_state("new", "offer") is S.NEGOTIATING
    assert next_state("committed", "meeting_proposed") == "coordinating"


def test_unknown_names_raise() -> None:
    with pytest.raises(ValueError, match="state"):
        next_state("haggling", E.OFFER)
    with pytest.raises(ValueError, match="event"):
        next_state(S.NEW, "wave")


def test_a_typical_sale_from_first_message_to_closed() -> None:
    state = S.NEW
    for event in (E.QUESTION, E.OFFER, E.COUNTER, E.OFFER_ACCEPTED, E.MEETING_PROPOSED,
                  E.MESSAGE, E.SOLD):
        state = next_state(state, event)
    assert state is S.CLOSED


def test_an_abandoned_haggle_revives_into_negotiating() -> None:
    state = next_state(next_state(S.NEGOTIATING, E.INACTIVITY), E.OFFER)
    assert state is S.NEGOTIATING


def test_values_match_the_stored_enum() -> None:
    # storage.models.base.ConversationState holds the same strings; the column stores these.
    assert [state.value for state in S] == [
        "new", "exploring", "negotiating", "committed", "coordinating", "closed", "abandoned"
    ]


# --- abandonment -----------------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_abandon_after_is_48_hours() -> None:
    assert timedelta(hours=48) == ABANDON_AFTER


@pytest.mark.parametrize(
    ("silence", "abandoned"),
    [
        (timedelta(0), False),
        (timedelta(hours=47, minutes=59, seconds=59), False),
        (timedelta(hours=48), True),
        (timedelta(days=30), True),
        (-timedelta(minutes=5), False),  # a clock a little ahead is not silence
    ],
)
def test_is_abandoned(silence: timedelta, abandoned: bool) -> None:
    assert is_abandoned(NOW - silence, NOW) is abandoned


def test_is_abandoned_compares_across_timezones() -> None:
    madrid_summer = timezone(timedelta(hours=2))
    last = datetime(2025, 5, 30, 14, 0, tzinfo=madrid_summer)  # 12:00 UTC, exactly 48 h before
    assert is_abandoned(last, NOW)


def test_is_abandoned_refuses_mixing_naive_and_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        is_abandoned(datetime(2025, 5, 1), NOW)
