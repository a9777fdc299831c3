"""The benchmark's and the fault suite's instruments: reply counting, the model-bound ideal,
and the offline model's added latency (a wait that lets the event loop serve others)."""

from __future__ import annotations

import asyncio
import time

import pytest
from langchain_core.messages import HumanMessage

from bot.devtools.bench.answers import count_by_totals, count_chat, log_of_views
from bot.devtools.bench.model_bound import ideal_rate, offer_text
from bot.devtools.bench.probes import CountingOfflineModel

U, B = False, True


def test_each_message_answered_once() -> None:
    count = count_chat([(U, "a"), (B, "ra"), (U, "b"), (B, "rb"), (B, "photo")])
    assert count.as_dict() == {"sent": 2, "answered_once": 2, "duplicated": 0, "lost": 0}


def test_a_message_with_no_reply_is_lost_and_a_repeated_reply_is_a_duplicate() -> None:
    count = count_chat([(B, "hello"), (U, "a"), (U, "b"), (B, "rb"), (B, "rb"), (U, "c")])
    assert (count.sent, count.answered_once, count.duplicated, count.lost) == (3, 0, 1, 2)
    assert len(count.examples) == 3


def test_skipped_messages_are_not_counted() -> None:
    count = count_chat([(U, "/start"), (U, "a"), (B, "ra")], skip=1)
    assert count.as_dict() == {"sent": 1, "answered_once": 1, "duplicated": 0, "lost": 0}


def test_open_loop_chats_count_by_totals() -> None:
    assert count_by_totals([(U, "a"), (U, "b"), (B, "r"), (B, "r")]).as_dict() == {
        "sent": 2, "answered_once": 2, "duplicated": 0, "lost": 0}
    assert count_by_totals([(U, "a"), (U, "b"), (B, "r")]).lost == 1
    assert count_by_totals([(U, "a"), (B, "r"), (B, "s")]).duplicated == 1


def test_views_are_read_in_message_order() -> None:
    views = [{"message_id": 3, "from_bot": True, "text": "", "kind": "photo"},
             {"message_id": 2, "from_bot": False, "text": "hi"}]
    assert log_of_views(views) == [(False, "hi"), (True, "[photo]")]


def test_ideal_is_the_lesser_of_the_model_bound_and_the_cpu_bound() -> None:
    assert ideal_rate(200, 1.5, 1.4, cpu_bound=500.0) == pytest.approx(200 / 2.1)
    assert ideal_rate(200, 1.5, 1.4, cpu_bound=40.0) == 40.0
    assert ideal_rate(200, 0.0, 1.4, cpu_bound=40.0) == 40.0


def test_offers_stay_under_the_floor_of_the_haggled_product() -> None:
    amounts = {int("".join(ch for ch in offer_text(c, n) if ch.isdigit()))
               for c in range(10) for n in range(40)}
    assert max(amounts) < 560 and min(amounts) > 650 * 0.5


async def test_model_latency_waits_without_blocking_the_loop() -> None:
    model = CountingOfflineModel()
    model.latency = 0.3
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    try:
        await asyncio.gather(*(model.ainvoke([HumanMessage("hola")]) for _ in range(5)))
    finally:
        task.cancel()
    elapsed = time.perf_counter() - started
    assert model.calls == 5
    assert 0.3 <= elapsed < 1.2  # five calls waited together, not one after another
    assert ticks >= 10  # the loop kept running meanwhile
    model.latency = 0.0
    started = time.perf_counter()
    await model.ainvoke([HumanMessage("hola")])
    assert time.perf_counter() - started < 0.3
