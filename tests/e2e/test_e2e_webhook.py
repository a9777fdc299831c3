"""Webhook mode, health and metrics over HTTP against the bot's own web server.

The webhook route takes Telegram's POSTs only with the secret token (401 and nothing processed
otherwise) and responds once the update is stored, answering after; a failed handler is retried
by the job queue, not apologised for and dropped; `/healthz` reports PostgreSQL and Redis (503
when one is down); `/metrics` moves after a turn; going back to polling deletes the webhook.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.app_runtime import AppRuntime
from bot.runners.webhook import webhook_path, webhook_problem, webhook_secret
from bot.web_server import create_web_app, start_web_app
from config.settings import Settings
from storage.models import InboxUpdate, Message
from tests.e2e.conftest import BUYER, free_port, published_product, replies, with_telegram

SECRET = "e2e_webhook-secret"
HOOK_PATH = "/tg/updates"


@pytest.fixture
def webhook_settings(e2e_settings: Settings) -> Settings:
    return with_telegram(e2e_settings, mode="webhook",
                         webhook_url=f"https://bot.example.test{HOOK_PATH}",
                         webhook_secret=SecretStr(SECRET))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


def base_url(settings: Settings) -> str:
    return f"http://{settings.telegram.webhook_host}:{settings.telegram.webhook_port}"


async def scrape(http: aiohttp.ClientSession, url: str) -> dict[tuple[str, str], float]:
    async with http.get(f"{url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {(sample.name, ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))):
            sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def stored_messages(runtime: AppRuntime) -> int:
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def test_webhook_takes_updates_with_the_secret_only_and_metrics_move(
        local_server, webhook_settings, make_runtime, start_bot, http) -> None:
    runtime = await make_runtime(webhook_settings)
    product = await published_product(runtime)
    await start_bot(runtime)
    state = local_server.state
    assert state.webhook["url"] == webhook_settings.telegram.webhook_url
    assert state.webhook["secret_token"] == SECRET
    assert {"message", "callback_query"} <= set(state.webhook["allowed_updates"])

    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    update = state.pending_updates()[-1]  # what Telegram would POST
    hook = f"{base_url(webhook_settings)}{HOOK_PATH}"
    before = await scrape(http, base_url(webhook_settings))

    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}):
        async with http.post(hook, json=update, headers=headers) as response:
            assert response.status == 401
    assert await stored_messages(runtime) == 0
    assert await state.bot_messages(BUYER["id"]) == []

    async with http.post(hook, json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 200
    # Stored before the response; answered right after it.
    async with runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1
    answer = await state.wait_for_messages(BUYER["id"], pushed.message_id)
    assert len(answer) == 1 and "iPhone 13 Pro" in answer[0]["text"]

    handled = ("updates_handled_total", "kind=message")
    for _ in range(50):  # counted when the handler returns, a moment after the reply
        after = await scrape(http, base_url(webhook_settings))
        if after.get(handled):
            break
        await asyncio.sleep(0.1)
    assert before.get(handled, 0) == 0 and after[handled] == 1
    assert after[("replies_total", "role=buyer")] == 1
    assert after[("update_reply_latency_seconds_count", "")] == 1
    assert after[("errors_total", "kind=update")] == 0

    async with http.get(f"{base_url(webhook_settings)}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_going_back_to_polling_deletes_the_webhook_and_polls(
        local_server, webhook_settings, make_runtime, start_bot) -> None:
    hooked = await start_bot(await make_runtime(webhook_settings))
    state = local_server.state
    assert state.webhook
    product = await published_product(hooked.runtime)
    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    await start_bot.stop(hooked)

    polling = with_telegram(webhook_settings, mode="polling", webhook_port=free_port())
    await start_bot(await make_runtime(polling))
    assert state.webhook == {}
    answer = await replies(state, BUYER["id"], pushed.message_id)
    assert "iPhone 13 Pro" in answer[0]["text"]


@pytest.mark.parametrize("down", ["redis", "database"])
async def test_healthz_is_503_naming_the_service_that_is_down(
        down, e2e_settings, make_runtime, tmp_path, http) -> None:
    dead = {"redis": {"redis_url": f"unix://{tmp_path}/no-redis.sock"},
            "database": {"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}}
    runtime = await make_runtime(e2e_settings, **dead[down])
    runner = await start_web_app(create_web_app(runtime), "127.0.0.1",
                                 e2e_settings.telegram.webhook_port)
    try:
        async with http.get(f"{base_url(e2e_settings)}/healthz") as response:
            body = await response.json()
            assert response.status == 503
    finally:
        await runner.cleanup()
    assert body["status"] == "unavailable"
    assert body[down].startswith("error:")
    up = "database" if down == "redis" else "redis"
    assert body[up] == "ok"


async def test_a_failing_handler_is_counted_and_the_update_is_retried_until_answered(
        local_server, webhook_settings, make_runtime, start_bot, http, monkeypatch) -> None:
    runtime = await make_runtime(webhook_settings)
    product = await published_product(runtime)
    running = await start_bot(runtime)
    handle = runtime.service.handle
    calls = 0

    async def broken_once(event: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the service fell over")
        return await handle(event, **kwargs)

    monkeypatch.setattr(runtime.service, "handle", broken_once)
    state = local_server.state
    pushed = await state.push_text(BUYER, f"/start {product.public_ref}")
    with capture_logs() as logs:  # (and no slow rendering of the traceback)
        async with http.post(f"{base_url(webhook_settings)}{HOOK_PATH}",
                             json=state.pending_updates()[-1],
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
            assert response.status == 200  # stored: ours to answer, no redelivery needed
        # The job queue runs it again (after RETRY_FIRST_AFTER_SECONDS): one answer, late.
        answer = await state.wait_for_messages(BUYER["id"], pushed.message_id, timeout=20)
    assert [entry["error"] for entry in logs if entry["event"] == "update.failed_will_retry"
            ] == ["RuntimeError"]
    assert len(answer) == 1 and "iPhone 13 Pro" in answer[0]["text"]
    assert calls == 2
    await asyncio.sleep(0.3)  # the replay's handler returns a moment after its reply
    async with runtime.session_factory() as session:
        row = (await session.scalars(select(InboxUpdate))).one()
    assert row.handled_at is not None and row.attempts == 1
    assert running.metrics.value("updates_handled_total", kind="message") == 2  # and its replay


def test_webhook_settings_problems_and_the_derived_secret(settings: Settings) -> None:
    token = "1234567:" + "a" * 35
    webhook = with_telegram(settings, mode="webhook", bot_token=SecretStr(token),
                            webhook_url="https://bot.example.test/hook")
    assert webhook_problem(webhook.telegram) is None
    assert webhook_problem(settings.telegram) is None  # polling needs nothing
    no_token = with_telegram(webhook, bot_token=None)
    assert "TELEGRAM_BOT_TOKEN" in (webhook_problem(no_token.telegram) or "")
    plain = with_telegram(webhook, webhook_url="http://bot.example.test/hook")
    assert "https://" in (webhook_problem(plain.telegram) or "")
    # plain HTTP only towards a Bot API server on this machine (the local one delivers there)
    local = with_telegram(plain, api_base_url="http://127.0.0.1:8088")
    assert webhook_problem(local.telegram) is None
    remote = with_telegram(plain, api_base_url="https://bot-api.example.test")
    assert "https://" in (webhook_problem(remote.telegram) or "")
    assert webhook_path(webhook.telegram) == "/hook"
    assert webhook_path(with_telegram(webhook, webhook_url="https://x.test").telegram) == \
        "/telegram/webhook"
    derived = webhook_secret(webhook.telegram, token)
    assert derived == webhook_secret(webhook.telegram, token) != token  # every worker agrees
    assert derived != webhook_secret(webhook.telegram, "7654321:" + "b" * 35)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", derived)  # what Telegram accepts
