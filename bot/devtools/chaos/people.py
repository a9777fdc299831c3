"""The people in the fault suite's chats, on the local Bot API server's state (in this process).

Polling scenarios push messages the ordinary way (stored in the chat and queued for
`getUpdates`). Webhook scenarios play Telegram themselves: the person's message is stored in the
chat (so the chat reads as the person saw it) but not queued; the harness builds the Update and
POSTs it to the bot, as often as the scenario wants.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from bot.devtools.bench.answers import AnswerCount, count_by_totals, count_chats, log_of_views
from bot.devtools.local_api import LocalBotApi

Person = dict[str, Any]
# Catalog keys of bot messages that are not an answer: a promise to answer later, an apology
# for a message that failed. A chat left with only these lost its message.
NOT_ANSWERS = ("slow_down", "error_apology")
_update_ids = itertools.count(7_000_000_001)  # far above the server's own update ids


def people(base: int, count: int, language: str = "es") -> list[Person]:
    return [{"id": base + n + 1, "first_name": f"Chaos{n + 1}", "language_code": language}
            for n in range(count)]


def next_update_id() -> int:
    return next(_update_ids)


async def ask(state: LocalBotApi, person: Person, text: str, within: float) -> bool:
    """Push a message and wait up to `within` seconds for the bot's next message in that
    chat; False when none came."""
    pushed = await state.push_text(person, text)
    replies = await state.wait_for_messages(person["id"], pushed.message_id, within)
    return bool(replies)


async def converse(state: LocalBotApi, person: Person, texts: Sequence[str], *, within: float,
                   pause: float = 0.0, on_sent: Callable[[], None] | None = None) -> int:
    """One message at a time, each after the previous reply (or `within` seconds); returns
    how many replies did not come in time."""
    late = 0
    for text in texts:
        if not await ask(state, person, text, within):
            late += 1
        if on_sent is not None:
            on_sent()
        if pause:
            await asyncio.sleep(pause)
    return late


@cache
def not_answers() -> frozenset[str]:
    """Every language's text of the NOT_ANSWERS catalog entries."""
    from babel.messages.pofile import read_po

    from bot.i18n import DOMAIN, SOURCE

    texts = set()
    for po_path in Path(SOURCE).glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        with po_path.open("rb") as source:
            catalog = read_po(source)
        for key in NOT_ANSWERS:
            message = catalog.get(key)
            if message is not None and message.string:
                texts.add(str(message.string))
    return frozenset(texts)


def chat_log(state: LocalBotApi, chat_id: int) -> list[tuple[bool, str]]:
    """The chat in order, (from_bot, text); bot messages that answer nothing left out."""
    chat = state.chat(chat_id)
    if chat is None:
        return []
    from bot.devtools.local_api.views import message_view

    skipped = not_answers()
    log = log_of_views(message_view(m) for m in chat.messages.values() if not m.deleted)
    return [(from_bot, text) for from_bot, text in log if not (from_bot and text in skipped)]


def unanswered(state: LocalBotApi, persons: Sequence[Person]) -> int:
    return sum(count_by_totals(chat_log(state, p["id"])).lost for p in persons)


async def settle(state: LocalBotApi, persons: Sequence[Person], *, within: float,
                 quiet: float = 1.0) -> None:
    """Wait up to `within` seconds until every message in these chats has a reply, then
    `quiet` seconds more so that a late second answer is seen too."""
    await state.signal.wait_for(lambda: unanswered(state, persons) == 0, within)
    await asyncio.sleep(quiet)


def count(state: LocalBotApi, persons: Sequence[Person], *, skip: int = 0) -> AnswerCount:
    """Closed-loop chats: every message answered once? (see bot.devtools.bench.answers)"""
    return count_chats(((str(p["id"]), chat_log(state, p["id"])) for p in persons), skip=skip)


# --- playing Telegram (webhook scenarios) ---------------------------------------------------


def message_update(state: LocalBotApi, person: Person, text: str) -> dict[str, Any]:
    """Store the person's message in the chat and return the Update Telegram would POST."""
    chat = state.register_user(person)
    stored = state.add_user_message(chat, {"text": text, **_entities(text)})
    return {"update_id": next_update_id(), "message": copy.deepcopy(stored.body)}


def press_update(state: LocalBotApi, person: Person, message_id: int, data: str
                 ) -> dict[str, Any]:
    """The person presses a button of bot message `message_id`: the callback query is known to
    the server (so the bot can answer it), and its Update is returned, not queued."""
    chat = state.register_user(person)
    stored = chat.live(message_id)
    if stored is None or not stored.from_bot:
        raise ValueError(f"no bot message {message_id} in chat {chat.id}")
    query_id = state.new_callback_query_id()
    state.callback_queries[query_id] = {"chat_id": chat.id, "message_id": message_id,
                                        "user_id": chat.id, "data": data, "answered": False}
    query = {"id": query_id, "from": chat.user.as_user(), "message": copy.deepcopy(stored.body),
             "chat_instance": str(8_000_000_000_000_000_000 + chat.id), "data": data}
    return {"update_id": next_update_id(), "callback_query": query}


def last_buttons(state: LocalBotApi, chat_id: int) -> tuple[int, list[str]] | None:
    """The newest bot message with inline buttons: its id and their callback data."""
    chat = state.chat(chat_id)
    if chat is None:
        return None
    for stored in sorted(chat.messages.values(), key=lambda m: -m.message_id):
        rows = (stored.body.get("reply_markup") or {}).get("inline_keyboard", [])
        data = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
        if stored.from_bot and data:
            return stored.message_id, data
    return None


def bot_messages_after(state: LocalBotApi, chat_id: int, message_id: int) -> list[str]:
    """The texts of the bot's answers after message `message_id` (see NOT_ANSWERS)."""
    chat = state.chat(chat_id)
    if chat is None:
        return []
    texts = (str(m.body.get("text") or m.body.get("caption") or "[other]")
             for m in sorted(chat.messages.values(), key=lambda m: m.message_id)
             if m.from_bot and m.message_id > message_id and not m.deleted)
    return [text for text in texts if text not in not_answers()]


def _entities(text: str) -> dict[str, Any]:
    from bot.devtools.local_api.formatting import command_entities

    entities = command_entities(text)
    return {"entities": entities} if entities else {}
