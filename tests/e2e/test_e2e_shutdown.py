"""Graceful shutdown: a stop takes no new update and lets those in progress finish (bounded);
and the run command, `python -m bot`, prints the chat page's address and stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from typing import Any

import aiohttp
from aiogram.types import Update
from pydantic import SecretStr

from agents.llm.models.offline import OfflineChatModel
from bot.runners.intake import UpdateIntake
from config.settings import PROJECT_ROOT
from tests.e2e.conftest import BUYER, free_port, published_product, replies, with_telegram


class SlowOfflineModel(OfflineChatModel):
    """The offline model, thinking for `delay` seconds per call (a slow provider)."""

    delay: float = 0.6

    async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                         **kwargs: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)


async def eventually(condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_stop_finishes_the_update_in_progress_and_takes_no_new_one(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings, model=SlowOfflineModel())
    product = await published_product(runtime)
    running = await start_bot(runtime)
    state = local_server.state
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)  # the intro needs no model

    asked = await state.push_text(BUYER, "Hola! Sigue disponible?")
    await eventually(lambda: running.intake.in_flight == 1)
    stopping = asyncio.create_task(start_bot.stop(running))
    await asyncio.sleep(0.3)
    late = await state.push_text(BUYER, "¿Y cuánto pides?")
    assert running.intake.in_flight == 1, "still thinking when the stop came"
    await stopping

    # One answer, to the question; nothing for the message that came after the stop.
    answer = await state.bot_messages(BUYER["id"], asked.message_id)
    assert len(answer) == 1 and "disponible" in answer[0]["text"]
    # The answered update was confirmed; the late one waits for the next start.
    assert [u["update_id"] for u in state.pending_updates()] == [late.update_id]


async def test_a_stop_in_webhook_mode_finishes_the_updates_it_took(
        local_server, e2e_settings, make_runtime, start_bot) -> None:
    settings = with_telegram(e2e_settings, mode="webhook", webhook_secret=SecretStr("s3cret"),
                             webhook_url="https://bot.example.test/telegram/webhook")
    runtime = await make_runtime(settings, model=SlowOfflineModel())
    product = await published_product(runtime)
    running = await start_bot(runtime)
    state = local_server.state
    await state.push_text(BUYER, f"/start {product.public_ref}")
    asked = await state.push_text(BUYER, "Hola! Sigue disponible?")
    hook = (f"http://127.0.0.1:{settings.telegram.webhook_port}/telegram/webhook")
    async with aiohttp.ClientSession() as http:
        async def post(update: dict[str, Any]) -> int:
            async with http.post(hook, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as r:
                return r.status

        first, second = state.pending_updates()
        assert await post(first) == 200  # stored; answered right after
        assert await state.wait_for_messages(BUYER["id"], asked.message_id - 1)
        assert await post(second) == 200  # stored; the slow model is still thinking
        await eventually(lambda: running.intake.in_flight >= 1)
        await start_bot.stop(running)  # lets the update in progress finish

    _intro, answer = await state.bot_messages(BUYER["id"], asked.message_id)
    assert "disponible" in answer["text"]


async def test_drain_waits_for_handlers_but_only_up_to_its_bound() -> None:
    intake = UpdateIntake()
    release = asyncio.Event()

    async def handler(event: Any, data: dict[str, Any]) -> None:
        await release.wait()

    task = asyncio.create_task(intake(handler, Update(update_id=41), {}))
    await asyncio.sleep(0)
    started = time.monotonic()
    assert await intake.drain(0.2) is False
    assert time.monotonic() - started < 1.0
    release.set()
    assert await intake.drain(1.0) is True
    await task
    assert intake.in_flight == 0


async def read_until(stream: asyncio.StreamReader, marker: str, timeout: float,  # noqa: ASYNC109
                     seen: list[str]) -> str:
    async def scan() -> str:
        while line := (await stream.readline()).decode():
            seen.append(line)
            if marker in line:
                return line
        raise AssertionError(f"exited before {marker!r}:\n{''.join(seen)}")
    return await asyncio.wait_for(scan(), timeout)


async def test_the_run_command_serves_and_stops_cleanly_on_ctrl_c(
        fresh_database, redis_url, redis_prefix) -> None:
    api_port, web_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("TELEGRAM_BOT_TOKEN", "GOOGLE_API_KEY")}
    env.update(DATABASE_URL=fresh_database, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix,
               TELEGRAM_LOCAL_API_PORT=str(api_port), TELEGRAM_WEBHOOK_PORT=str(web_port),
               TELEGRAM_MODE="polling", LLM_PROVIDER="offline")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    seen: list[str] = []
    try:
        line = await read_until(process.stdout, "marketbot is running", 60, seen)  # loaded CI
        page = f"http://127.0.0.1:{api_port}"
        assert f"open {page}/" in line
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            # "running" is said once the web server is up too (it used to come seconds before)
            async with http.get(f"http://127.0.0.1:{web_port}/healthz") as response:
                assert response.status == 200
            # A person on the page says /start; the bot answers through the real polling loop.
            async with http.post(f"{page}/local/updates",
                                 json={"user": BUYER, "text": "/start"}) as response:
                assert response.status == 200
            async with http.get(f"{page}/local/messages", params={
                    "chat_id": str(BUYER["id"]), "wait": "10"}) as response:
                assert (await response.json())["messages"], "".join(seen)
            # Counted when the handler returns, a moment after the reply reached the chat.
            counted = 'updates_handled_total{kind="message"} 1.0'
            for _ in range(50):
                async with http.get(f"http://127.0.0.1:{web_port}/metrics") as response:
                    if counted in await response.text():
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"/metrics never showed {counted}")
        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "".join(seen) + rest.decode()
    assert process.returncode == 0, output
    assert output.rstrip().endswith("marketbot stopped."), output
