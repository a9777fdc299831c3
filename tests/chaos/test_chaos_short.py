"""Short forms of `scripts/chaos.py`'s scenarios: the bot as a real process, faults for real,
every message counted. Each asserts its counts, so a regression shows as a figure."""

from __future__ import annotations

import aiohttp

from bot.devtools.chaos import Harness, Outcome, run_scenario
from bot.devtools.chaos.people import message_update, people
from bot.devtools.chaos.redelivery import Deliveries, judge, settled_replies


def assert_every_message_answered_once(outcome: Outcome, sent: int) -> None:
    report = f"{outcome.line()}\n" + "\n".join(outcome.examples)
    assert outcome.sent == sent, report
    assert (outcome.answered_once, outcome.duplicated, outcome.lost, outcome.unhandled) == (
        sent, 0, 0, 0), report


async def test_redelivered_updates_are_answered_once(world: Harness) -> None:
    outcome = await run_scenario(world, "redelivery", short=True)
    assert_every_message_answered_once(outcome, sent=2 * 3)  # 2 buyers, 3 kinds of redelivery
    assert outcome.details["control_replies"] == [1, 1, 1]


async def test_the_redelivery_count_sees_a_second_answer(world: Harness) -> None:
    """The measure can fail: two messages of one person in one step get two answers, which
    the scenario's judge counts as a duplicate."""
    process = await world.webhook_bot()
    person = people(649_000_000, 1)[0]
    async with aiohttp.ClientSession() as session:
        post = Deliveries(session, process.web_url)
        first = message_update(world.state, person, "¿Sigue disponible?")
        second = message_update(world.state, person, "¿Sigue disponible?")
        await post.post(first)
        await post.post(second)
        got = await settled_replies(world, person["id"], first["message"]["message_id"])
    outcome = Outcome("check")
    judge(outcome, "two messages", got, ["one reply"])
    assert (outcome.duplicated, outcome.answered_once) == (1, 0), got


async def test_the_fallback_answers_when_gemini_is_down_or_hangs(world: Harness) -> None:
    outcome = await run_scenario(world, "model-outage", short=True)
    assert_every_message_answered_once(outcome, sent=2 * 2 * 3)  # 2 outages x 2 chats x 3
    assert outcome.details["answers_over_budget"] == 0
