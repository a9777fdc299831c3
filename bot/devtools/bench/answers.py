"""Counting, from what the server saw in each chat, whether every message got one reply turn.

A chat is read in order (user and bot messages share its message ids). In a closed loop (one
message in flight per chat) each user message owns the bot messages that came after it and
before the person's next message: none means it was never answered (lost); a reply repeated,
the same text twice, means it was answered twice. Two different texts are one turn that said
two things (a reply and its photo, an answer and a notice) and count once. That attribution is
exact unless a reply came after the load gave up waiting for it.

In an open loop several messages of a chat can be in flight, so a reply cannot be tied to its
message by position; there the chat is counted by totals, for a load whose every message gets
exactly one bot message: fewer bot messages than messages sent were lost, more were duplicates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# (from_bot, text) per message of one chat, in message-id order
ChatLog = Sequence[tuple[bool, str]]


@dataclass
class AnswerCount:
    sent: int = 0
    answered_once: int = 0
    duplicated: int = 0
    lost: int = 0
    examples: list[str] = field(default_factory=list)  # a few lost/duplicated, for the report

    def add(self, other: AnswerCount) -> AnswerCount:
        self.sent += other.sent
        self.answered_once += other.answered_once
        self.duplicated += other.duplicated
        self.lost += other.lost
        self.examples = (self.examples + other.examples)[:5]
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "answered_once": self.answered_once,
                "duplicated": self.duplicated, "lost": self.lost}


def turns_of(log: ChatLog) -> list[tuple[str, list[str]]]:
    """Each user message's text with the bot texts that answered it."""
    turns: list[tuple[str, list[str]]] = []
    for from_bot, text in log:
        if not from_bot:
            turns.append((text, []))
        elif turns:  # bot messages before the first user message answer nothing of the load
            turns[-1][1].append(text)
    return turns


def count_chat(log: ChatLog, *, skip: int = 0, label: str = "") -> AnswerCount:
    """Count one chat's turns; the first `skip` user messages are not part of the measure."""
    count = AnswerCount()
    for said, replies in turns_of(log)[skip:]:
        count.sent += 1
        repeated = max(Counter(replies).values(), default=0)
        if not replies:
            count.lost += 1
            count.examples.append(f"{label} lost: {said[:60]!r}")
        elif repeated > 1:
            count.duplicated += 1
            count.examples.append(f"{label} answered {repeated}x: {said[:60]!r}")
        else:
            count.answered_once += 1
    return count


def count_by_totals(log: ChatLog, *, label: str = "") -> AnswerCount:
    """Count an open-loop chat whose every message should get exactly one bot message."""
    said = sum(1 for from_bot, _ in log if not from_bot)
    replies = sum(1 for from_bot, _ in log if from_bot)
    count = AnswerCount(sent=said, lost=max(0, said - replies),
                        duplicated=max(0, replies - said))
    count.answered_once = said - count.lost - count.duplicated
    if count.lost or count.duplicated:
        count.examples.append(f"{label}: {said} sent, {replies} bot messages")
    return count


def count_chats(logs: Iterable[tuple[str, ChatLog]], *, skip: int = 0,
                open_loop: bool = False) -> AnswerCount:
    total = AnswerCount()
    for label, log in logs:
        total.add(count_by_totals(log, label=label) if open_loop
                  else count_chat(log, skip=skip, label=label))
    return total


def log_of_views(views: Iterable[dict[str, Any]]) -> list[tuple[bool, str]]:
    """A chat log from the local API's message views (`GET /local/messages?include_user=1`)."""
    ordered = sorted(views, key=lambda view: view["message_id"])
    return [(bool(view["from_bot"]), _view_text(view)) for view in ordered]


def _view_text(view: dict[str, Any]) -> str:
    # a photo or button message with no text still needs an identity of its own
    return view.get("text") or f"[{view.get('kind', 'other')}]"
