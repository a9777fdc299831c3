"""Durable first, through the real polling loop: what reached the bot is stored before anything
that can fail, and answered once, later if it must be.

A text with NUL bytes is stored cleaned and answered; a button press whose callback answer
Telegram refuses is acted on; a throttled message is answered when its window reopens; a reply
a crash left undelivered is sent after the restart, once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update
from structlog.testing import capture_logs

from bot import channel
from bot.devtools.local_api import LocalBotApi
from config.settings import Settings
from storage.models import Direction, InboxUpdate, Message, Offer, OfferStatus
from tests.e2e.conftest import BUYER, button, published_product, replies


async def bot_texts(state: LocalBotApi, chat_id: int, after: int, count: int,
                    timeout: float = 20.0) -> list[str]:  # noqa: ASYNC109
    """The texts of the bot's messages after `after`, once `count` arrived (or the timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        messages = await state.bot_messages(chat_id, after)
        if len(messages) >= count or loop.time() > deadline:
            return [m["text"] for m in messages]
        await asyncio.sleep(0.1)


async def test_a_text_with_nul_bytes_is_stored_cleaned_and_answered(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings)
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)

    asked = await state.push_text(BUYER, "Hola\x00 sigue\x00 disponible?")
    answer = await replies(state, BUYER["id"], asked.message_id)

    assert len(answer) == 1 and "disponible" in answer[0]["text"]
    async with runtime.session_factory() as session:
        stored = await session.scalar(select(Message).where(
            Message.external_message_id == f"{BUYER['id']}:{asked.message_id}"))
        raw = await session.scalar(select(InboxUpdate).where(
            InboxUpdate.external_id == f"{BUYER['id']}:{asked.message_id}"))
    assert stored is not None and stored.text == "Hola sigue disponible?"
    assert stored.processed_at is not None
    assert raw is not None and raw.handled_at is not None
    assert raw.payload["message"]["text"] == "Hola sigue disponible?"


async def test_a_press_whose_callback_answer_fails_is_still_acted_on(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings)
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)
    offered = await state.push_text(BUYER, "Te doy 400")
    counter = (await replies(state, BUYER["id"], offered.message_id))[-1]

    before = counter["message_id"]
    await state.push_callback(BUYER, counter["message_id"], button(counter, "offer:accept"))
    for query in state.callback_queries.values():
        query["answered"] = True  # Telegram: "query is too old", answerCallbackQuery fails
    answer = await replies(state, BUYER["id"], before)

    assert state.callback_answers == []  # the answer was refused ...
    assert answer, "... and the press was acted on all the same"
    async with runtime.session_factory() as session:
        accepted = await session.scalar(select(Offer).where(
            Offer.status == OfferStatus.ACCEPTED))
    assert accepted is not None and accepted.product_id == product.id


def throttled(settings: Settings) -> Settings:
    return settings.model_copy(update={"redis": settings.redis.model_copy(update={
        "rate_limit_per_actor": 2, "rate_limit_window_seconds": 8.0})})


async def test_a_throttled_message_is_answered_when_its_window_reopens(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(throttled(e2e_settings))
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await state.push_text(BUYER, "Hola! Sigue disponible?")
    await state.push_text(BUYER, "¿Y cuánto pides?")  # one over the limit of 2 in 8 s

    # The notice at once; every message answered, the throttled one once its window reopened.
    texts = await bot_texts(state, BUYER["id"], opened.message_id - 1, count=4, timeout=40)
    assert any("guardado tu mensaje" in text for text in texts), texts
    assert len(texts) == 4, texts
    async with runtime.session_factory() as session:
        inbound = (await session.scalars(select(Message).where(
            Message.direction == Direction.INBOUND).order_by(Message.seq))).all()
        replies_to = {m.reply_to_id: m for m in (await session.scalars(select(Message).where(
            Message.direction == Direction.OUTBOUND))).all()}
    assert len(inbound) == 3 and all(m.processed_at is not None for m in inbound)
    assert all(replies_to[m.id].delivered_at is not None for m in inbound)
    waited = sorted((m.processed_at - m.created_at).total_seconds() for m in inbound)
    assert waited[-1] > 4, waited  # the throttled one, answered when its window reopened
    assert waited[0] < 4, waited


async def test_a_reply_a_crash_left_undelivered_is_sent_after_restart_once(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    state = local_server.state
    crashed = await make_runtime(e2e_settings)
    product = await published_product(crashed)
    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    from aiogram.types import Message as TelegramMessage

    body = state.message(BUYER["id"], pushed.message_id)
    event = channel.event_from_message(TelegramMessage.model_validate(body), "buyer",
                                       open_ref=product.public_ref)
    result = await crashed.service.handle(event)  # the turn committed its reply ...
    assert len(result.replies) == 1
    state.drop_pending_updates()  # ... the offset was confirmed, then the process died
    async with crashed.session_factory() as session, session.begin():
        await session.execute(update(Message).where(Message.direction == Direction.OUTBOUND)
                              .values(created_at=Message.created_at - timedelta(minutes=1)))
    assert await state.bot_messages(BUYER["id"], pushed.message_id) == []

    restarted = await make_runtime(e2e_settings)
    await start_bot(restarted)
    sent = await bot_texts(state, BUYER["id"], pushed.message_id, count=1)
    await asyncio.sleep(1.0)  # nothing else comes

    assert len(await state.bot_messages(BUYER["id"], pushed.message_id)) == 1
    assert "iPhone 13 Pro" in sent[0]
    async with restarted.session_factory() as session:
        outbound = (await session.scalars(select(Message).where(
            Message.direction == Direction.OUTBOUND))).all()
    assert len(outbound) == 1 and outbound[0].delivered_at is not None
    assert outbound[0].external_message_id is not None


def short_lock_wait(settings: Settings) -> Settings:
    return settings.model_copy(update={"redis": settings.redis.model_copy(update={
        "lock_timeout_seconds": 1.0})})


async def test_a_message_whose_chat_stays_busy_is_answered_by_the_queue_once(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(short_lock_wait(e2e_settings))
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)
    async with runtime.session_factory() as session:
        conversation_id = (await session.scalar(select(Message).where(
            Message.direction == Direction.INBOUND))).conversation_id

    with capture_logs() as logs:
        # Another turn holds the chat (on another worker, say) for three lock waits.
        async with runtime.service.chat_lock.hold(conversation_id):
            asked = await state.push_text(BUYER, "¿Sigue disponible?")
            await asyncio.sleep(3.0)
            assert await state.bot_messages(BUYER["id"], asked.message_id) == []
        texts = await bot_texts(state, BUYER["id"], asked.message_id, count=1, timeout=30)
        await asyncio.sleep(1.0)  # nothing else comes

    assert len(await state.bot_messages(BUYER["id"], asked.message_id)) == 1, texts
    assert "disponible" in texts[0]
    events = [entry["event"] for entry in logs]
    assert "turn.chat_busy_queued" in events
    assert not [entry for entry in logs if entry.get("log_level") == "error"], events
    async with runtime.session_factory() as session:
        raw = await session.scalar(select(InboxUpdate).where(
            InboxUpdate.external_id == f"{BUYER['id']}:{asked.message_id}"))
    assert raw is not None and raw.handled_at is not None and raw.attempts == 0
