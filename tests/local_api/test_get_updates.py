"""getUpdates as Telegram defines it: offsets confirm, long polls wake up, filters hold."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.devtools.local_api import LocalBotApi, start_local_api

TOKEN = "777:updates-test-token"
LUIS = {"id": 2001, "first_name": "Luis", "language_code": "es"}


class BotApiClient:
    """Plain HTTP calls to the server, JSON-encoded like any Bot API client may send them."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.url}/bot{TOKEN}/{method}", json=params) as response:
            return response.status, await response.json()

    async def result(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200, body
        return body["result"]


@pytest.fixture
async def api() -> AsyncIterator[tuple[BotApiClient, LocalBotApi]]:
    runner, url, state = await start_local_api()
    async with aiohttp.ClientSession() as http:
        yield BotApiClient(http, url), state
    await runner.cleanup()


async def test_offset_confirms_earlier_updates(api: tuple[BotApiClient, LocalBotApi]) -> None:
    client, state = api
    ids = [(await state.push_text(LUIS, text)).update_id for text in ("a", "b", "c")]

    everything = await client.result("getUpdates")
    from_second = await client.result("getUpdates", offset=ids[1])
    after_confirming = await client.result("getUpdates")
    last_only = await client.result("getUpdates", offset=-1)
    limited = await client.result("getUpdates", limit=1)
    nothing_left = await client.result("getUpdates", offset=ids[2] + 1)

    assert [u["update_id"] for u in everything] == ids
    assert [u["update_id"] for u in from_second] == ids[1:]
    assert [u["update_id"] for u in after_confirming] == ids[1:]  # the first is forgotten
    assert [u["update_id"] for u in last_only] == ids[2:]
    assert [u["update_id"] for u in limited] == ids[2:]
    assert nothing_left == []
    assert [u["message"]["text"] for u in everything] == ["a", "b", "c"]


async def test_long_poll_wakes_up_when_an_update_arrives(
    api: tuple[BotApiClient, LocalBotApi],
) -> None:
    client, state = api
    started = time.monotonic()
    poll = asyncio.create_task(client.result("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # it really waits

    pushed = await state.push_text(LUIS, "¿Sigue disponible?")
    updates = await asyncio.wait_for(poll, 3)

    assert time.monotonic() - started < 3
    assert [u["update_id"] for u in updates] == [pushed.update_id]


async def test_long_poll_without_updates_returns_empty_after_its_timeout(
    api: tuple[BotApiClient, LocalBotApi],
) -> None:
    client, _ = api
    started = time.monotonic()

    assert await client.result("getUpdates", timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_allowed_updates_filters_and_is_remembered(
    api: tuple[BotApiClient, LocalBotApi],
) -> None:
    client, state = api
    state.register_user(LUIS)
    sent = await client.result(
        "sendMessage",
        chat_id=LUIS["id"],
        text="¿Confirmas?",
        reply_markup={"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]},
    )
    await state.push_text(LUIS, "hola")
    callback = await state.push_callback(LUIS, sent["message_id"], "yes")

    only_callbacks = await client.result("getUpdates", allowed_updates=["callback_query"])
    still_only_callbacks = await client.result("getUpdates")

    assert [u["update_id"] for u in only_callbacks] == [callback.update_id]
    assert still_only_callbacks == only_callbacks
    assert only_callbacks[0]["callback_query"]["data"] == "yes"


async def test_webhook_is_stored_and_blocks_get_updates_until_deleted(
    api: tuple[BotApiClient, LocalBotApi],
) -> None:
    client, state = api
    await state.push_text(LUIS, "hola")

    assert await client.result(
        "setWebhook", url="https://bot.example.org/hook", secret_token="s3cr3t"
    )
    info = await client.result("getWebhookInfo")
    status, conflict = await client.call("getUpdates")
    bad_status, bad = await client.call("setWebhook", url="ftp://nope")
    assert await client.result("deleteWebhook", drop_pending_updates=True)
    after_delete = await client.result("getWebhookInfo")

    assert info["url"] == "https://bot.example.org/hook"
    assert info["pending_update_count"] == 1
    assert status == 409 and conflict["description"].startswith("Conflict:")
    assert bad_status == 400 and "HTTPS URL" in bad["description"]
    assert state.webhook == {}
    assert after_delete == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


async def test_reset_keeps_update_ids_growing(api: tuple[BotApiClient, LocalBotApi]) -> None:
    client, state = api
    first = await state.push_text(LUIS, "antes")
    state.reset()
    second = await state.push_text(LUIS, "después")

    updates = await client.result("getUpdates", offset=first.update_id + 1)

    assert second.update_id > first.update_id  # a polling Dispatcher's offset stays valid
    assert second.message_id == 1  # but the chat starts over
    assert [u["message"]["text"] for u in updates] == ["después"]


def test_a_restarted_server_never_reuses_an_earlier_runs_callback_query_ids() -> None:
    """The bot's inbox keeps a press's callback query id as its dedupe key in PostgreSQL, which
    outlives the local server: ids reused after a restart were dropped as already seen."""
    base = (int(time.time()) - 1_700_000_000) * 1000  # as the entry point sets it
    earlier, later = LocalBotApi(id_base=base), LocalBotApi(id_base=base + 1000)
    pressed_before = {earlier.new_callback_query_id() for _ in range(5)}
    assert later.new_callback_query_id() not in pressed_before
