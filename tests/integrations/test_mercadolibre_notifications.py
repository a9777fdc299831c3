"""MercadoLibre webhook notifications: validation and the answer-first aiohttp handler."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from integrations.mercadolibre import (
    InvalidNotification,
    Notification,
    NotificationReceiver,
    item_id_from_resource,
    notification_handler,
    parse_notification,
    question_id_from_resource,
)

QUESTION_NOTIFICATION: dict[str, Any] = {
    "_id": "d2c5d2b3-9c3b-4c8e-b8e4-5e8a9f0d1a2b",
    "resource": "/questions/5036111111",
    "user_id": 1108966308,
    "topic": "questions",
    "application_id": 2069392825111111,
    "attempts": 1,
    "sent": "2024-03-05T13:58:23.347Z",
    "received": "2024-03-05T13:58:23.329Z",
}


def test_a_documented_notification_parses() -> None:
    notification = parse_notification(json.dumps(QUESTION_NOTIFICATION).encode())
    assert notification.topic == "questions"
    assert notification.user_id == 1108966308
    assert notification.id == "d2c5d2b3-9c3b-4c8e-b8e4-5e8a9f0d1a2b"
    assert notification.sent.year == 2024 and notification.sent.tzinfo is not None
    assert question_id_from_resource(notification.resource) == "5036111111"


def test_invalid_bodies_name_the_wrong_fields() -> None:
    broken = {**QUESTION_NOTIFICATION, "user_id": "someone", "resource": "questions/1"}
    del broken["topic"]
    with pytest.raises(InvalidNotification) as raised:
        parse_notification(json.dumps(broken))
    message = str(raised.value)
    assert "user_id" in message and "topic" in message and "resource" in message
    with pytest.raises(InvalidNotification, match="not JSON"):
        parse_notification(b"resource=/questions/1")
    with pytest.raises(InvalidNotification, match="object"):
        parse_notification(b"[1, 2]")


def test_resource_paths() -> None:
    assert question_id_from_resource("/questions/123") == "123"
    assert item_id_from_resource("/items/MLA686791111") == "MLA686791111"
    with pytest.raises(ValueError):
        question_id_from_resource("/items/MLA686791111")
    with pytest.raises(ValueError):
        item_id_from_resource("/questions/123")


OnNotification = Callable[[Notification], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[TestClient[Any, Any]]]]:
    clients: list[TestClient[Any, Any]] = []

    async def start(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
        app = web.Application()
        app.router.add_post("/mercadolibre/notifications", handler)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


async def test_handler_answers_200_at_once_and_processes_in_background(serve: Any) -> None:
    release = asyncio.Event()
    processed: list[Notification] = []

    async def slow_processing(notification: Notification) -> None:
        await release.wait()  # stands for fetching the question and running the agent
        processed.append(notification)

    receiver = NotificationReceiver(slow_processing)
    client = await serve(receiver.handle)
    started = time.perf_counter()
    response = await client.post("/mercadolibre/notifications", json=QUESTION_NOTIFICATION)
    elapsed = time.perf_counter() - started

    assert response.status == 200
    assert elapsed < 0.5
    assert processed == [] and receiver.pending == 1  # still working, and the task is held
    release.set()
    await receiver.drain(grace_seconds=2)
    assert [n.resource for n in processed] == ["/questions/5036111111"]
    assert receiver.pending == 0


async def test_invalid_body_gets_400_and_is_not_processed(serve: Any) -> None:
    calls: list[Notification] = []

    async def record(notification: Notification) -> None:
        calls.append(notification)

    client = await serve(notification_handler(record))
    response = await client.post(
        "/mercadolibre/notifications", json={**QUESTION_NOTIFICATION, "attempts": 0}
    )
    assert response.status == 400
    assert "attempts" in (await response.json())["detail"]
    response = await client.post("/mercadolibre/notifications", data=b"not json")
    assert response.status == 400
    await asyncio.sleep(0)
    assert calls == []


async def test_other_topics_are_acknowledged_and_ignored(serve: Any) -> None:
    calls: list[Notification] = []

    async def record(notification: Notification) -> None:
        calls.append(notification)

    receiver = NotificationReceiver(record)
    client = await serve(receiver.handle)
    order = {**QUESTION_NOTIFICATION, "topic": "orders_v2", "resource": "/orders/2000003508419013"}
    item = {**QUESTION_NOTIFICATION, "topic": "items", "resource": "/items/MLA686791111"}
    assert (await client.post("/mercadolibre/notifications", json=order)).status == 200
    assert (await client.post("/mercadolibre/notifications", json=item)).status == 200
    await receiver.drain(grace_seconds=2)
    assert [n.topic for n in calls] == ["items"]


async def test_processing_errors_are_logged_and_do_not_leak_tasks(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(notification: Notification) -> None:
        raise RuntimeError("agent exploded")

    receiver = NotificationReceiver(failing)
    client = await serve(receiver.handle)
    with caplog.at_level(logging.ERROR, logger="integrations.mercadolibre.notifications"):
        response = await client.post("/mercadolibre/notifications", json=QUESTION_NOTIFICATION)
        await receiver.drain(grace_seconds=2)

    assert response.status == 200
    assert receiver.pending == 0
    failure = next(r for r in caplog.records if "processing MercadoLibre" in r.getMessage())
    assert "/questions/5036111111" in failure.getMessage()
    assert failure.exc_info is not None and "agent exploded" in str(failure.exc_info[1])


async def test_drain_cancels_work_still_running_after_the_grace() -> None:
    async def never_ends(notification: Notification) -> None:
        await asyncio.Event().wait()

    receiver = NotificationReceiver(never_ends)
    request_body = json.dumps(QUESTION_NOTIFICATION).encode()
    app = web.Application()
    app.router.add_post("/n", receiver.handle)
    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/n", data=request_body)).status == 200
        assert receiver.pending == 1
        await receiver.drain(grace_seconds=0.01)
    assert receiver.pending == 0
