"""An update delivered twice is answered once, through the real polling loop.

Telegram redelivers an update when its offset was not confirmed (a restart, an offset reset) or
a webhook response was lost; the same message can also reach two workers at once. The raw
inbox (stored first, unique on chat + message id) drops a known message; the stored message's
own idempotency (channel + message id) holds when the inbox row is gone.
"""

from __future__ import annotations

import copy

from sqlalchemy import delete, func, select

from bot.app_runtime import AppRuntime
from storage.models import Direction, InboxUpdate, Message
from tests.e2e.conftest import BUYER, published_product, replies


async def outbound_count(runtime: AppRuntime) -> int:
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == Direction.OUTBOUND)) or 0)


async def test_the_same_message_queued_twice_at_once_gets_one_reply(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings)
    product = await published_product(runtime)
    state = local_server.state
    # Both copies wait on the server before the bot polls: one batch, two concurrent tasks.
    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    state.queue_update("message", copy.deepcopy(state.message(BUYER["id"], pushed.message_id)))
    await start_bot(runtime)

    answer = await replies(state, BUYER["id"], pushed.message_id)
    assert await state.wait_idle(quiet=0.5)
    assert len(await state.bot_messages(BUYER["id"], pushed.message_id)) == 1
    assert "iPhone 13 Pro" in answer[0]["text"]
    assert await outbound_count(runtime) == 1


async def test_an_update_redelivered_after_an_offset_reset_gets_no_second_reply(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings)
    product = await published_product(runtime)
    running = await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)
    asked = await state.push_text(BUYER, "Hola! Sigue disponible?")
    await replies(state, BUYER["id"], asked.message_id)
    update = {"update_id": asked.update_id,
              "message": state.message(BUYER["id"], asked.message_id)}

    # The same update again, as getUpdates returns it to a poller that lost its offset.
    await running.dispatcher.feed_raw_update(running.bot, copy.deepcopy(update))
    assert running.metrics.value("updates_handled_total", kind="message") == 2  # dropped first
    # And once more with its inbox row gone: the stored inbound message still says "answered".
    async with runtime.session_factory() as session, session.begin():
        removed = await session.execute(delete(InboxUpdate).where(
            InboxUpdate.external_id == f"{BUYER['id']}:{asked.message_id}"))
    assert removed.rowcount == 1, "the inbox stored the update"
    await running.dispatcher.feed_raw_update(running.bot, copy.deepcopy(update))

    assert await state.wait_idle(quiet=0.5)
    assert len(await state.bot_messages(BUYER["id"], asked.message_id)) == 1
    assert await outbound_count(runtime) == 2  # the intro and the one answer
    assert running.metrics.value("updates_handled_total", kind="message") == 3
