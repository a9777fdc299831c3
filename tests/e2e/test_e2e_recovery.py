"""A crash between storing an inbound message and replying is recovered on restart, once.

The first process fetched the update, stored the buyer's message and died before answering.
Whether Telegram redelivers the update (its offset was never confirmed) or not (a later
getUpdates confirmed it), the restarted bot answers the stored message at start-up and drops a
redelivered copy: the buyer gets one reply.
"""

from __future__ import annotations

import pytest
from aiogram.types import Message as TelegramMessage
from sqlalchemy import select

from bot import channel
from storage.models import Direction, Message
from tests.e2e.conftest import BUYER, published_product, replies


@pytest.mark.parametrize("redelivered", [True, False], ids=["redelivered", "confirmed"])
async def test_a_message_stored_before_a_crash_is_answered_once_on_restart(
        redelivered, local_server, e2e_settings, make_runtime, start_bot) -> None:
    state = local_server.state
    crashed = await make_runtime(e2e_settings)
    product = await published_product(crashed)
    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    body = state.message(BUYER["id"], pushed.message_id)
    event = channel.event_from_message(TelegramMessage.model_validate(body), "buyer",
                                       open_ref=product.public_ref)
    inbound_id, fresh, _ = await crashed.service.store_inbound(event)
    assert fresh  # ... and then the process died
    if not redelivered:
        state.drop_pending_updates()

    restarted = await make_runtime(e2e_settings)
    running = await start_bot(restarted)
    answer = await replies(state, BUYER["id"], pushed.message_id)
    assert await state.wait_idle(quiet=0.5)

    assert len(await state.bot_messages(BUYER["id"], pushed.message_id)) == 1
    assert "iPhone 13 Pro" in answer[0]["text"]
    assert state.pending_updates() == [], "the redelivered update was fetched (and dropped)"
    async with restarted.session_factory() as session:
        inbound = await session.get(Message, inbound_id)
        outbound = (await session.scalars(select(Message).where(
            Message.direction == Direction.OUTBOUND))).all()
    assert inbound is not None and inbound.processed_at is not None
    assert [m.reply_to_id for m in outbound] == [inbound_id]
    assert outbound[0].delivered_at is not None
    assert running.metrics.value("replies_total", role="buyer") == 1
    assert running.metrics.value("updates_handled_total", kind="message") == int(redelivered)
