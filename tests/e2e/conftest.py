"""The whole bot in-process, as `./marketbot.sh run` wires it, for the end-to-end tests.

A runtime on a database of the test's own and Redis keys under the test's prefix; the local Bot
API server on a free port; `run_bot` (the runner the entry point uses) in a task, its web server
on another free port. Tests act as the people in the chats would (the local server's `push_*`
and `wait_for_messages`) or as Telegram and operators do (HTTP against the bot's web server); only
the crash and redelivery tests reach further, to play a dying process or a repeated delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from PIL import Image

from bot.app_runtime import AppRuntime
from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.factory import LOCAL_TOKEN, create_bot
from bot.runners import RunningBot, run_bot
from bot.runtime import build_runtime
from config.settings import Settings
from storage.models import Condition, Product, ProductStatus, Seller

SELLER = {"id": 710001, "first_name": "Ana", "language_code": "es"}
BUYER = {"id": 720001, "first_name": "Luis", "language_code": "es"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def jpeg(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def with_telegram(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(
        update={"telegram": settings.telegram.model_copy(update=changes)})


async def replies(state: LocalBotApi, chat_id: int, after: int, *, count: int = 1,
                  timeout: float = 10.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
    """The bot's messages in the chat after message `after`, once at least `count` arrived
    and the bot went quiet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        messages = await state.wait_for_messages(chat_id, after, timeout=0.5)
        if len(messages) >= count and await state.wait_idle(quiet=0.2, timeout=2):
            messages = await state.bot_messages(chat_id, after)
            if len(messages) >= count:
                return messages
        elif messages:  # fewer than wanted: wait past them (waiting on them would not yield)
            await state.wait_for_messages(chat_id, messages[-1]["message_id"], timeout=0.5)
        if loop.time() > deadline:
            raise AssertionError(f"chat {chat_id}: {len(messages)} bot message(s) after "
                                 f"{after}, wanted {count}: {[m['text'] for m in messages]}")


def button(message: dict[str, Any], prefix: str) -> str:
    """The callback data of the message's button whose data starts with `prefix`."""
    found = [b["callback_data"] for row in message["buttons"] for b in row
             if (b["callback_data"] or "").startswith(prefix)]
    assert found, f"no {prefix!r} button in {message['buttons']}"
    return found[0]


async def published_product(runtime: AppRuntime, *, price: str = "650",
                            min_price: str = "560") -> Product:
    """A seller's product already on sale (the steps before are the polling flow's test)."""
    async with runtime.session_factory() as session, session.begin():
        seller = Seller(telegram_id=SELLER["id"], name="Ana", language="es")
        session.add(seller)
        await session.flush()
        product = Product(
            seller_id=seller.id, status=ProductStatus.PUBLISHED, title="iPhone 13 Pro 128GB",
            description="Muy buen estado, batería al 89%, con caja y cargador original.",
            condition=Condition.USED, price=Decimal(price), min_price=Decimal(min_price),
            currency="EUR", prompt_text="iPhone 13 Pro")
        session.add(product)
        await session.flush()
        return product


@dataclass
class LocalServer:
    base_url: str
    state: LocalBotApi


@pytest.fixture
async def local_server() -> AsyncIterator[LocalServer]:
    runner, base_url, state = await start_local_api(port=0)
    yield LocalServer(base_url, state)
    await runner.cleanup()


@pytest.fixture
def e2e_settings(settings: Settings) -> Settings:
    return with_telegram(settings, webhook_port=free_port())


@pytest.fixture
async def make_runtime(fresh_database: str, redis_url: str, redis_prefix: str, tmp_path: Path
                       ) -> AsyncIterator[Callable[[Settings], Awaitable[AppRuntime]]]:
    """Runtimes on this test's database and Redis prefix (a restart builds a second one)."""
    built: list[AppRuntime] = []

    async def factory(settings: Settings, **kwargs: Any) -> AppRuntime:
        kwargs.setdefault("redis_url", redis_url)
        kwargs.setdefault("database_url", fresh_database)
        # the seller's photos stay out of git
        kwargs.setdefault("media_dir", tmp_path / "data" / "media")
        runtime = await build_runtime(settings, key_prefix=redis_prefix, **kwargs)
        built.append(runtime)
        return runtime

    yield factory
    for runtime in built:
        await runtime.close()


class BotStarter:
    """Starts `run_bot` in a task against the local server; `stop()` stops one gracefully."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.started: dict[int, tuple[asyncio.Event, asyncio.Task[None]]] = {}
        self.bots: list[Bot] = []

    async def __call__(self, runtime: AppRuntime, **kwargs: Any) -> RunningBot:
        stop = asyncio.Event()
        ready: asyncio.Future[RunningBot] = asyncio.get_running_loop().create_future()
        bot = create_bot(LOCAL_TOKEN, self.base_url)
        self.bots.append(bot)
        kwargs.setdefault("drain_seconds", 5.0)
        kwargs.setdefault("polling_timeout", 2)
        task = asyncio.create_task(run_bot(runtime, bot, stop, ready=ready, **kwargs))
        await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done() or ready.cancelled():
            stop.set()
            if task.done():
                task.result()  # the error that stopped it
            raise AssertionError("the bot did not start within 15 s")
        running = ready.result()
        self.started[id(running)] = (stop, task)
        return running

    async def stop(self, running: RunningBot, *, timeout: float = 15) -> None:  # noqa: ASYNC109
        stop, task = self.started.pop(id(running))
        stop.set()
        await asyncio.wait_for(task, timeout)

    async def stop_all(self) -> None:
        for stop, task in self.started.values():
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
        for bot in self.bots:
            await bot.session.close()


@pytest.fixture
async def start_bot(local_server: LocalServer, make_runtime: object
                    ) -> AsyncIterator[BotStarter]:
    """Every bot started is stopped (gracefully) afterwards, before its runtime closes."""
    starter = BotStarter(local_server.base_url)
    yield starter
    await starter.stop_all()
