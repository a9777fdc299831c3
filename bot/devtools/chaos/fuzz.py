"""`fuzz`: thousands of malformed and odd bodies POSTed to the bot's webhook (see fuzz_bodies).

`sent` counts the POSTs. Every answer must be a 2xx or 4xx (a delivery without the secret: 401
and nothing processed); a 5xx, no answer, or an error the bot logged is unhandled. The bodies a
person could really send are each in a chat of their own and must get exactly one reply:
`answered_once`, `duplicated` and `lost` count those.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict

import aiohttp

from bot.devtools.chaos.fuzz_bodies import Body, bodies
from bot.devtools.chaos.harness import WEBHOOK_PATH, WEBHOOK_SECRET, Harness
from bot.devtools.chaos.outcome import Outcome
from bot.devtools.chaos.people import Person, count, message_update, people, settle
from bot.devtools.chaos.redelivery import post_update

CONCURRENCY = 16
BASE = 650_000_000


async def fuzz(h: Harness, short: bool) -> Outcome:
    total = 300 if short else 10_000
    started = time.perf_counter()
    process = await h.webhook_bot()
    mark = process.mark()
    url = process.web_url + WEBHOOK_PATH
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    persons: list[Person] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def deliver(session: aiohttp.ClientSession, body: Body) -> None:
        if body.text is not None:
            person = people(BASE + len(persons), 1)[0]
            persons.append(person)
            payload: bytes = json.dumps(message_update(h.state, person, body.text)).encode()
        elif body.raw is not None:
            payload = body.raw
        else:
            payload = json.dumps(body.update).encode()
        async with gate:
            status = await post_update(session, url, payload,
                                       secret=WEBHOOK_SECRET if body.secret else None)
        statuses[body.kind][status] += 1

    async with aiohttp.ClientSession() as session:
        pending: set[asyncio.Task[None]] = set()
        for body in bodies(total):
            if len(pending) >= CONCURRENCY * 2:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending.add(asyncio.create_task(deliver(session, body)))
        await asyncio.gather(*pending)
    # The question is whether every answerable body is answered once, not how fast: after the
    # other scenarios, 10,000 bodies left a backlog (throttled, queued) that 60 s did not drain
    # (221 and 282 unanswered then) and a longer wait did (all 789, the scenario done in 154 s).
    await settle(h.state, persons, within=60.0 if short else 300.0, quiet=2.0)

    outcome = Outcome("fuzz").add_answers(count(h.state, persons))
    outcome.sent = sum(sum(by_status.values()) for by_status in statuses.values())
    failed = sum(n for by_status in statuses.values() for status, n in by_status.items()
                 if status >= 500)
    forged = sum(n for status, n in statuses["wrong-secret"].items() if status < 300)
    logged = process.problems(since=mark)
    # a 5xx logs its traceback too: one problem, counted once
    outcome.unhandled = max(failed, len(logged)) + forged
    outcome.examples += [f"logged: {line}" for line in dict.fromkeys(logged)][:8]
    outcome.details = {
        "answerable": len(persons), "server_errors": failed, "logged_errors": len(logged),
        "accepted_without_secret": forged,
        "statuses": {kind: dict(sorted(by_status.items()))
                     for kind, by_status in sorted(statuses.items())},
    }
    outcome.seconds = time.perf_counter() - started
    return outcome
