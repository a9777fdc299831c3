"""`redelivery`: Telegram delivering the same thing more than once, the bot in webhook mode and
the harness playing Telegram.

Per buyer: one update POSTed 5 times at once; one message (same chat and message id) under 3
new update ids at once; a button press (the same callback query) POSTed 3 times at once. Each
must be answered as if it came once: the replies after it are compared with what a control
buyer, who got everything once, was sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import aiohttp

from bot.devtools.chaos.harness import WEBHOOK_PATH, WEBHOOK_SECRET, Harness, product
from bot.devtools.chaos.outcome import Outcome
from bot.devtools.chaos.people import (
    Person,
    bot_messages_after,
    last_buttons,
    message_update,
    next_update_id,
    people,
    press_update,
)

QUIET = 1.5  # after the first reply: the time a second one gets to show up
REPLY_SECONDS = 30.0


async def post_update(session: aiohttp.ClientSession, url: str, update: dict[str, Any] | bytes,
                      *, secret: str | None = WEBHOOK_SECRET) -> int:
    """POST one webhook delivery as Telegram does; the HTTP status (599: no answer at all)."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        async with session.post(url, data=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=60)) as answer:
            await answer.read()
            return answer.status
    except (aiohttp.ClientError, TimeoutError):
        return 599


class Deliveries:
    """Posts updates to the bot's webhook and keeps the statuses it answered."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session, self.url = session, base_url + WEBHOOK_PATH
        self.statuses: Counter[int] = Counter()

    async def post(self, *updates: dict[str, Any]) -> None:
        """All at once, as concurrent requests."""
        for status in await asyncio.gather(*(post_update(self.session, self.url, u)
                                             for u in updates)):
            self.statuses[status] += 1

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


async def settled_replies(h: Harness, chat_id: int, marker: int) -> list[str]:
    """The bot messages after `marker`, once the first has come and a quiet time has passed."""
    await h.state.signal.wait_for(lambda: bot_messages_after(h.state, chat_id, marker),
                                  REPLY_SECONDS)
    await asyncio.sleep(QUIET)
    return bot_messages_after(h.state, chat_id, marker)


def _last_id(h: Harness, chat_id: int) -> int:
    chat = h.state.chat(chat_id)
    return max(chat.messages) if chat and chat.messages else 0


async def _buyer(h: Harness, post: Deliveries, person: Person, ref: str, copies: tuple[int, ...]
                 ) -> list[list[str]]:
    """The three steps for one buyer (`copies` per step); each step's replies."""
    chat = person["id"]
    opening = message_update(h.state, person, f"/start {ref}")
    await post.post(opening)
    await settled_replies(h, chat, opening["message"]["message_id"])
    steps: list[list[str]] = []
    asked = message_update(h.state, person, "¿Sigue disponible?")
    await post.post(*([asked] * copies[0]))
    steps.append(await settled_replies(h, chat, asked["message"]["message_id"]))
    again = message_update(h.state, person, "¿En qué estado está?")
    await post.post(*({**again, "update_id": next_update_id()} for _ in range(copies[1])))
    steps.append(await settled_replies(h, chat, again["message"]["message_id"]))
    offer = message_update(h.state, person, "te ofrezco 500 €")
    await post.post(offer)
    await settled_replies(h, chat, offer["message"]["message_id"])
    buttons = last_buttons(h.state, chat)
    if buttons is None:
        steps.append([])  # no counter to press: the step cannot happen, counted as lost
        return steps
    marker = _last_id(h, chat)
    press = press_update(h.state, person, buttons[0], buttons[1][0])
    await post.post(*([press] * copies[2]))
    steps.append(await settled_replies(h, chat, marker))
    return steps


def judge(outcome: Outcome, label: str, got: list[str], expected: list[str]) -> None:
    outcome.sent += 1
    if not got:
        outcome.lost += 1
        outcome.examples.append(f"{label}: no reply")
    elif len(got) > max(1, len(expected)) or max(Counter(got).values()) > 1:
        outcome.duplicated += 1
        outcome.examples.append(f"{label}: {len(got)} replies where once gave "
                                f"{len(expected)}: {[t[:50] for t in got]}")
    else:
        outcome.answered_once += 1


async def redelivery(h: Harness, short: bool) -> Outcome:
    buyers = 2 if short else 10
    started = time.perf_counter()
    process = await h.webhook_bot()
    mark = process.mark()
    # every buyer accepts a counter, and an accepted deal reserves its product: one each
    refs = list((await h.add_products({f"redelivery-{n}": product(f"Bicicleta Trek {n}")
                                       for n in range(buyers + 1)})).values())
    control, *persons = people(640_000_000, buyers + 1)
    outcome = Outcome("redelivery")
    async with aiohttp.ClientSession() as session:
        post = Deliveries(session, process.web_url)
        expected = await _buyer(h, post, control, refs[0], (1, 1, 1))
        results = await asyncio.gather(*(_buyer(h, post, person, refs[n + 1], (5, 3, 3))
                                         for n, person in enumerate(persons)))
    names = ("update 5x", "message under 3 update ids", "callback 3x")
    for person, steps in zip(persons, results, strict=True):
        for name, got, once in zip(names, steps, expected, strict=True):
            judge(outcome, f"{person['id']} {name}", got, once)
    outcome.details = {"control_replies": [len(step) for step in expected],
                       "http_statuses": dict(sorted(post.statuses.items()))}
    outcome.unhandled += post.failed
    outcome.add_problems(process.problems(since=mark))
    outcome.seconds = time.perf_counter() - started
    return outcome
