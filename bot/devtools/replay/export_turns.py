"""The turns of an exported conversation, with what the bot said as expectations.

A turn per inbound message (the buyer's, and the seller's that acted on this chat), and an
`advance` turn where a scheduled job spoke in between. Times come from the service's clock
(inbound `processed_at`, outbound `delivered_at`, the job's `responded_at` on expired offers),
so a replayed conversation whose clock was advanced exports the same way as a live one.
With `scripted`, each turn whose reply came from a model carries `llm:` items rebuilt from the
stored tool calls and reply text, so it replays whatever model first ran it.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.models import Message, MessageType

PRODUCT_KEY = "product"


@dataclass
class ChatView:
    """What the turn builder needs to know about the exported chat."""

    conversation_id: uuid.UUID
    names: dict[str, str]  # "buyer" / "seller" → actor name
    product_ref: str | None  # the product's deep-link payload
    scripted: bool


def inbound_time(message: Message) -> datetime:
    return message.processed_at or message.created_at


def outbound_time(message: Message) -> datetime:
    return message.delivered_at or message.created_at


def build_turns(chat: ChatView, inbound: list[Message], outbound: list[Message],
                jobs: list[datetime]) -> tuple[list[dict[str, Any]], int]:
    """The turns, and how many inbound messages could not become one."""
    turns: list[dict[str, Any]] = []
    skipped = 0
    start = inbound_time(inbound[0])
    advanced = timedelta(0)
    spoken = _job_messages(inbound, outbound, jobs)
    job_messages = {m.id for _, said in spoken for m in said}
    for index, message in enumerate([*inbound, None]):
        while spoken and (message is None or spoken[0][0] <= inbound_time(message)):
            when, said = spoken.pop(0)
            # The replay plays the turns before in seconds: move its clock to where the job ran.
            step = when - start + timedelta(minutes=1) - advanced
            minutes = max(1, math.ceil(step.total_seconds() / 60))
            advanced += timedelta(minutes=minutes)
            turns.append({"buyer": chat.names["buyer"], "advance": f"{minutes}m",
                          "expect": expectations(chat, "buyer", said)})
        if message is None:
            break
        turn = _turn(chat, message, outbound)
        if turn is None:
            skipped += 1
            continue
        next_seq = inbound[index + 1].seq if index + 1 < len(inbound) else math.inf
        window = [m for m in outbound if message.seq < m.seq < next_seq
                  and m.id not in job_messages and m.reply_to_id in (None, message.id)]
        role = "buyer" if "buyer" in turn else "seller"
        if chat.scripted:
            script = _script(message, [m for m in window if m.reply_to_id == message.id])
            if script:
                turn["llm"] = script
        turn["expect"] = expectations(chat, role, window)
        turns.append(turn)
    return turns, skipped


def _job_messages(inbound: list[Message], outbound: list[Message], jobs: list[datetime]
                  ) -> list[tuple[datetime, list[Message]]]:
    """For each job run, the notifications it sent (before the next inbound message)."""
    groups: list[tuple[datetime, list[Message]]] = []
    taken: set[uuid.UUID] = set()
    for when in jobs:
        following = [m.seq for m in inbound if inbound_time(m) >= when]
        until = following[0] if following else math.inf
        said = [m for m in outbound if m.reply_to_id is None and outbound_time(m) >= when
                and m.seq < until and m.id not in taken]
        taken.update(m.id for m in said)
        groups.append((when, said))
    return groups


def _turn(chat: ChatView, message: Message, outbound: list[Message]) -> dict[str, Any] | None:
    role = "buyer" if message.conversation_id == chat.conversation_id else "seller"
    turn: dict[str, Any] = {role: chat.names[role]}
    entities = message.entities or {}
    text = message.text or ""
    kind = message.message_type
    if kind is MessageType.CALLBACK:
        turn["taps"] = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    elif kind in (MessageType.STICKER, MessageType.VOICE):
        turn["sends"] = kind.value
    elif kind is MessageType.PHOTO:
        photo = (entities.get("photos") or [{}])[0]
        turn["photo"] = {"width": photo.get("width") or 800, "height": photo.get("height") or 600}
        if text:
            turn["caption"] = text
    elif entities.get("open") and role == "buyer":
        if entities["open"] != chat.product_ref:
            return None
        turn["open"] = PRODUCT_KEY
    elif kind in (MessageType.TEXT, MessageType.COMMAND):
        if entities.get("relay_to"):
            quoted = _quoted(chat, message, outbound)
            if quoted is None:
                return None
            turn["quotes"] = quoted
        turn["says"] = text
    else:
        return None
    return turn


def _quoted(chat: ChatView, message: Message, outbound: list[Message]) -> str | None:
    """The first line of the seller's latest message about this chat before `message`."""
    about = str(chat.conversation_id)
    earlier = [m for m in outbound if m.seq < message.seq
               and (m.entities or {}).get("about") == about and m.text]
    return earlier[-1].text.splitlines()[0][:60] or None if earlier else None


def _script(message: Message, replies: list[Message]) -> list[dict[str, Any]]:
    """What the model answered in this turn, as `llm:` items (nothing when no model ran)."""
    items: list[dict[str, Any]] = []
    for reply in replies:
        if not reply.model:
            continue  # a fixed text (intro, fraud note, buttons' own replies): no model call
        calls = list(reply.tool_calls or [])
        if message.message_type is MessageType.CALLBACK and calls:
            calls = calls[1:]  # the button's action ran in code before the model phrased it
        items += [{"tool": str(call["name"]), "args": dict(call.get("args") or {})}
                  for call in calls if isinstance(call, dict) and call.get("name")]
        items.append({"text": reply.text})
    return items


def expectations(chat: ChatView, role: str, messages: Iterable[Message]) -> dict[str, Any]:
    """What the bot said: to the turn's actor as `reply_contains`, to the other as `notifies`."""
    messages = list(messages)
    to_buyer = [m.text for m in messages if m.conversation_id == chat.conversation_id and m.text]
    to_seller = [m.text for m in messages if m.conversation_id != chat.conversation_id
                 and m.text]
    mine, theirs = (to_buyer, to_seller) if role == "buyer" else (to_seller, to_buyer)
    other = "seller" if role == "buyer" else "buyer"
    expect: dict[str, Any] = {}
    if mine:
        expect["reply_contains"] = mine
    else:
        expect["no_reply"] = True
    if theirs:
        expect["notifies"] = {chat.names[other]: theirs}
    return expect
