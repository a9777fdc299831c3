"""Buyer questions from MercadoLibre: the webhook answers 200 at once and the agent's answer is
posted through POST /answers, once, however often the notification comes; what the facts cannot
answer goes to the seller, whose own reply is posted; the poll catches what a webhook missed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aioresponses import aioresponses
from sqlalchemy import select

from agents.jobs.marketplace_questions import QuestionOutcome
from integrations.mercadolibre.notifications import Notification
from integrations.mercadolibre.web_routes import WEBHOOK_PATH, MercadoLibreRoutes
from storage.database import create_engine, create_session_factory
from storage.models import Channel, Conversation, Direction, Message, ProductStatus
from tests.marketplaces.ml_api import (
    ANSWERS,
    API,
    ITEM_ID,
    QUESTIONS_SEARCH,
    Clock,
    MarketplaceWorld,
    answered,
    make_world,
    notification,
    question,
    questions_page,
    requests_to,
)

QUESTION_ID = 5036111111
QUESTION_URL = f"{API}/questions/{QUESTION_ID}?api_version=4"


class Webhook:
    """The routes on a test server; `outcomes` records what each notification became."""

    def __init__(self, world: MarketplaceWorld) -> None:
        self.world = world
        self.outcomes: list[QuestionOutcome | None] = []

        async def on_notification(received: Notification) -> None:
            self.outcomes.append(await world.questions.on_notification(received))

        async def on_connected(account: object) -> None:
            return None

        self.routes = MercadoLibreRoutes(
            authorizations=world.services.authorizations, accounts=world.services.accounts,
            on_connected=on_connected, on_notification=on_notification)


@pytest.fixture
async def webhook(world: MarketplaceWorld) -> AsyncIterator[tuple[Webhook, TestClient]]:
    hook = Webhook(world)
    app = web.Application()
    hook.routes.setup(app)
    async with TestClient(TestServer(app)) as client:
        yield hook, client


async def ml_messages(world: MarketplaceWorld) -> list[Message]:
    async with world.factory() as session:
        return list((await session.scalars(select(Message).where(
            Message.channel == Channel.MERCADOLIBRE).order_by(Message.seq))).all())


async def published(world: MarketplaceWorld):
    seller = await world.seller()
    product = await world.product(seller, status=ProductStatus.PUBLISHED, published_as=ITEM_ID)
    return seller, product


async def test_a_question_is_acknowledged_fast_and_answered_from_the_facts(
        world: MarketplaceWorld, mocked: aioresponses, webhook) -> None:
    hook, client = webhook
    await published(world)
    mocked.get(QUESTION_URL, payload=question(QUESTION_ID, "¿Incluye luces?"))
    mocked.post(ANSWERS, payload=answered(QUESTION_ID))

    started = time.perf_counter()
    response = await client.post(WEBHOOK_PATH, json=notification(f"/questions/{QUESTION_ID}"))
    elapsed = time.perf_counter() - started
    await hook.routes.receiver.drain(10)

    assert response.status == 200 and elapsed < 0.5
    assert [o.status for o in hook.outcomes if o] == ["answered"]
    posted = requests_to(mocked, "POST", ANSWERS)
    assert len(posted) == 1
    body = posted[0].kwargs["json"]
    assert body["question_id"] == QUESTION_ID and "luces" in body["text"].lower()
    inbound, reply = await ml_messages(world)
    assert (inbound.direction, inbound.external_message_id) == (Direction.INBOUND,
                                                                str(QUESTION_ID))
    assert reply.external_message_id == f"answer:{QUESTION_ID}"
    assert reply.delivered_at is not None and reply.text == body["text"]
    async with world.factory() as session:
        chat = await session.get(Conversation, inbound.conversation_id)
    assert chat is not None and chat.external_chat_id == f"{ITEM_ID}:1200445566"


async def test_a_repeated_notification_is_answered_once(
        fresh_database: str, ml_settings, redis_client, redis_prefix,
        mocked: aioresponses) -> None:
    # Both deliveries are processed at the same time: connections of their own are needed.
    engine = create_engine(fresh_database)
    world = await make_world(create_session_factory(engine), ml_settings, Clock(),
                             redis_client, redis_prefix)
    hook = Webhook(world)
    app = web.Application()
    hook.routes.setup(app)
    try:
        await published(world)
        mocked.get(QUESTION_URL, payload=question(QUESTION_ID, "¿Incluye luces?"), repeat=True)
        mocked.post(ANSWERS, payload=answered(QUESTION_ID), repeat=True)
        async with TestClient(TestServer(app)) as client:
            first, again = await asyncio.gather(
                client.post(WEBHOOK_PATH, json=notification(f"/questions/{QUESTION_ID}")),
                client.post(WEBHOOK_PATH, json=notification(f"/questions/{QUESTION_ID}",
                                                             attempts=2)))
            await hook.routes.receiver.drain(10)
            late = await client.post(WEBHOOK_PATH, json=notification(
                f"/questions/{QUESTION_ID}", attempts=3))
            await hook.routes.receiver.drain(10)

        assert (first.status, again.status, late.status) == (200, 200, 200)
        assert sorted(o.status for o in hook.outcomes if o) == [
            "answered", "duplicate", "duplicate"]
        assert len(requests_to(mocked, "POST", ANSWERS)) == 1
        assert [m.direction for m in await ml_messages(world)] == [Direction.INBOUND,
                                                                   Direction.OUTBOUND]
    finally:
        await world.services.close()
        await engine.dispose()


async def test_an_unknown_fact_goes_to_the_seller_whose_reply_is_posted(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller, _product = await published(world)
    mocked.get(QUESTION_URL, payload=question(QUESTION_ID, "¿Tiene garantía?"))
    mocked.post(ANSWERS, payload=answered(QUESTION_ID))

    outcome = await world.questions.on_notification(
        Notification.model_validate(notification(f"/questions/{QUESTION_ID}")))

    assert outcome is not None and outcome.status == "forwarded"
    assert [(o.channel, o.recipient) for o in outcome.deliveries] == [
        (Channel.TELEGRAM, "seller")]
    assert "garantía" in outcome.deliveries[0].text
    assert requests_to(mocked, "POST", ANSWERS) == []  # the bot's "I asked" is not an answer
    withheld = [m for m in await ml_messages(world) if m.direction is Direction.OUTBOUND]
    assert [m.external_message_id.split(":")[0] for m in withheld] == ["withheld"]

    conversation_id = withheld[0].conversation_id
    relayed = await world.seller_says(seller, "Sí, 6 meses de garantía del taller.",
                                      relay_to=str(conversation_id))
    posted = await world.questions.post_seller_reply(relayed.deliveries)

    assert posted == 1
    assert [call.kwargs["json"] for call in requests_to(mocked, "POST", ANSWERS)] == [
        {"question_id": QUESTION_ID, "text": "Sí, 6 meses de garantía del taller."}]
    answers = [m.external_message_id for m in await ml_messages(world)
               if m.direction is Direction.OUTBOUND]
    assert f"answer:{QUESTION_ID}" in answers


async def test_the_poll_answers_what_the_webhook_missed_and_retries_failed_posts(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    await published(world)
    waiting = question(QUESTION_ID, "¿Incluye luces?")
    done = question(QUESTION_ID + 1, "¿Color?", status="ANSWERED")
    mocked.get(QUESTIONS_SEARCH, payload=questions_page([waiting, done]))
    for _ in range(3):  # MercadoLibre is down when the answer is first posted
        mocked.post(ANSWERS, status=503, payload={"message": "unavailable", "status": 503})

    first = await world.questions.poll()

    assert [o.status for o in first] == ["pending"]
    mocked.get(QUESTIONS_SEARCH, payload=questions_page([waiting]))
    mocked.post(ANSWERS, payload=answered(QUESTION_ID))
    second = await world.questions.poll()

    # The question is not asked of the agent again; the stored answer is posted now.
    assert [o.status for o in second] == ["duplicate"]
    posts = requests_to(mocked, "POST", ANSWERS)
    assert len(posts) == 4 and posts[-1].kwargs["json"]["question_id"] == QUESTION_ID
    replies = [m for m in await ml_messages(world) if m.direction is Direction.OUTBOUND]
    assert [m.external_message_id for m in replies] == [f"answer:{QUESTION_ID}"]
