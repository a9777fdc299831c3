"""Webhook delivery as Telegram does it, over real HTTP to a receiver of the test's own: one
POST per update with the secret header, redelivery of the same update after a non-2xx answer,
a timeout or a refused connection (getWebhookInfo says why), each chat in order while chats run
in parallel up to max_connections, allowed_updates and drop_pending_updates kept, and the 409s
of getUpdates (a webhook is set; another poll, or setWebhook, took over)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.devtools.local_api.spec import ApiSpec
from tests.e2e.conftest import free_port

TOKEN = "4242:webhook-delivery-token"
ANA = {"id": 3001, "first_name": "Ana", "language_code": "es"}
LUIS = {"id": 3002, "first_name": "Luis", "language_code": "es"}

Answer = Callable[[dict[str, Any], int], Awaitable[int]]


async def ok(update: dict[str, Any], attempt: int) -> int:
    return 200


@dataclass
class Receiver:
    """The bot's side: records every POST and answers what `answer` says."""

    url: str
    answer: Answer = ok
    posts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def ids(self) -> list[int]:
        return [post["update_id"] for post in self.posts]

    def texts(self, chat_id: int) -> list[str]:
        return [p["message"]["text"] for p in self.posts
                if "message" in p and p["message"]["chat"]["id"] == chat_id]

    async def handle(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        self.posts.append(update)
        self.headers.append(dict(request.headers))
        self.arrived.set()
        attempt = self.ids().count(update["update_id"])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            status = await self.answer(update, attempt)
        finally:
            self.in_flight -= 1
        return web.Response(status=status)


@dataclass
class Api:
    http: aiohttp.ClientSession
    url: str
    state: LocalBotApi

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.url}/bot{TOKEN}/{method}", json=params) as response:
            return response.status, await response.json()

    async def result(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200, body
        return body["result"]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    runner, url, state = await start_local_api()
    state.webhook_delivery.first_retry = 0.05
    async with aiohttp.ClientSession() as http:
        yield Api(http, url, state)
    await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    hook = Receiver(f"http://127.0.0.1:{port}/hook")
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield hook
    await runner.cleanup()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_each_update_is_posted_once_with_the_secret_and_confirmed(
        api: Api, receiver: Receiver) -> None:
    spec = ApiSpec.load()
    assert await api.result("setWebhook", url=receiver.url, secret_token="s3cr3t_token",
                            max_connections=5)
    pushed = [await api.state.push_text(ANA, text) for text in ("hola", "¿sigue?", "gracias")]
    await until(lambda: len(receiver.posts) == 3)
    await until(lambda: api.state.pending_updates() == [])
    info = await api.result("getWebhookInfo")
    status, conflict = await api.call("getUpdates")

    assert receiver.ids() == [p.update_id for p in pushed]
    assert receiver.texts(ANA["id"]) == ["hola", "¿sigue?", "gracias"]
    assert all(h["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t_token" for h in receiver.headers)
    assert all(h["Content-Type"] == "application/json" for h in receiver.headers)
    assert [spec.validate("Update", post) for post in receiver.posts] == [[], [], []]
    assert info["url"] == receiver.url and info["pending_update_count"] == 0
    assert info["max_connections"] == 5 and "last_error_date" not in info
    assert spec.validate("WebhookInfo", info) == []
    assert status == 409 and "can't use getUpdates method while webhook is active" in \
        conflict["description"]
    await asyncio.sleep(0.2)
    assert len(receiver.posts) == 3  # answered 2xx: never again


async def test_a_failed_or_slow_answer_is_redelivered_and_reported(
        api: Api, receiver: Receiver) -> None:
    spec = ApiSpec.load()
    api.state.webhook_delivery.timeout = 0.5

    async def flaky(update: dict[str, Any], attempt: int) -> int:
        text = update["message"]["text"]
        if text == "falla" and attempt == 1:
            return 500
        if text == "lento" and attempt == 1:
            await asyncio.sleep(1.5)
        return 200

    receiver.answer = flaky
    await api.result("setWebhook", url=receiver.url)
    failing = await api.state.push_text(ANA, "falla")
    await until(lambda: receiver.ids().count(failing.update_id) == 2)
    after_error = await api.result("getWebhookInfo")
    slow = await api.state.push_text(LUIS, "lento")
    await until(lambda: receiver.ids().count(slow.update_id) == 2)
    after_timeout = await api.result("getWebhookInfo")
    await until(lambda: api.state.pending_updates() == [])

    assert after_error["last_error_message"] == \
        "Wrong response from the webhook: 500 Internal Server Error"
    assert isinstance(after_error["last_error_date"], int)
    assert after_timeout["last_error_message"] == "Read timeout expired"
    assert spec.validate("WebhookInfo", after_timeout) == []
    assert (await api.result("getWebhookInfo"))["pending_update_count"] == 0


async def test_an_unreachable_webhook_keeps_updates_pending_until_polling_takes_them(
        api: Api) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hook"
    await api.result("setWebhook", url=dead)
    pushed = await api.state.push_text(ANA, "¿hay alguien?")
    await until(lambda: api.state.webhook_delivery.last_error_message is not None)
    info = await api.result("getWebhookInfo")
    assert await api.result("deleteWebhook")
    polled = await api.result("getUpdates")

    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"
    assert [u["update_id"] for u in polled] == [pushed.update_id]  # nothing lost


async def test_chats_run_in_parallel_and_each_chat_in_order(
        api: Api, receiver: Receiver) -> None:
    release = asyncio.Event()

    async def held(update: dict[str, Any], attempt: int) -> int:
        if update["message"]["text"] == "ana 1" and attempt == 1:
            return 503  # a failure holds back Ana's next message, not Luis's
        await release.wait()
        return 200

    receiver.answer = held
    await api.result("setWebhook", url=receiver.url, max_connections=10)
    for n in (1, 2, 3):
        await api.state.push_text(ANA, f"ana {n}")
        await api.state.push_text(LUIS, f"luis {n}")
    await until(lambda: receiver.in_flight == 2)
    await asyncio.sleep(0.3)
    # one per chat in flight: Ana's first again (after its 503), Luis's first
    assert receiver.texts(ANA["id"]) == ["ana 1", "ana 1"]
    assert receiver.texts(LUIS["id"]) == ["luis 1"]
    release.set()
    await until(lambda: api.state.pending_updates() == [])

    assert receiver.texts(ANA["id"]) == ["ana 1", "ana 1", "ana 2", "ana 3"]
    assert receiver.texts(LUIS["id"]) == ["luis 1", "luis 2", "luis 3"]
    assert receiver.most_in_flight == 2


async def test_max_connections_bounds_the_requests_in_flight(
        api: Api, receiver: Receiver) -> None:
    async def slowish(update: dict[str, Any], attempt: int) -> int:
        await asyncio.sleep(0.05)
        return 200

    receiver.answer = slowish
    await api.result("setWebhook", url=receiver.url, max_connections=3)
    for chat_id in range(5000, 5012):
        await api.state.push_text({"id": chat_id, "first_name": f"P{chat_id}"}, "hola")
    await until(lambda: api.state.pending_updates() == [])
    assert len(receiver.posts) == 12
    assert receiver.most_in_flight == 3


async def test_allowed_updates_and_drop_pending_updates(api: Api, receiver: Receiver) -> None:
    await api.state.push_text(ANA, "antes del webhook")
    await api.result("setWebhook", url=receiver.url, allowed_updates=["callback_query"],
                     drop_pending_updates=True)
    api.state.register_user(ANA)
    sent = await api.result("sendMessage", chat_id=ANA["id"], text="¿Confirmas?", reply_markup={
        "inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]})
    await api.state.push_text(ANA, "texto")
    pressed = await api.state.push_callback(ANA, sent["message_id"], "yes")
    await until(lambda: len(receiver.posts) == 1)
    await asyncio.sleep(0.2)

    assert receiver.ids() == [pressed.update_id]
    assert receiver.posts[0]["callback_query"]["data"] == "yes"
    assert api.state.pending_updates() == [] or all(
        "callback_query" not in u for u in api.state.pending_updates())


async def test_a_second_poller_terminates_the_waiting_one_with_409(api: Api) -> None:
    first = asyncio.create_task(api.call("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(api.result("getUpdates", timeout=5))
    status, body = await asyncio.wait_for(first, 2)  # the newer poll took over at once
    pushed = await api.state.push_text(ANA, "hola")
    second = await asyncio.wait_for(second, 2)

    assert [u["update_id"] for u in second] == [pushed.update_id]
    assert status == 409
    assert body["description"] == ("Conflict: terminated by other getUpdates request; make "
                                   "sure that only one bot instance is running")


async def test_set_webhook_terminates_a_waiting_poll(api: Api, receiver: Receiver) -> None:
    poll = asyncio.create_task(api.call("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    await api.result("setWebhook", url=receiver.url)
    status, body = await asyncio.wait_for(poll, 2)
    assert status == 409 and body["description"] == "Conflict: terminated by setWebhook request"
