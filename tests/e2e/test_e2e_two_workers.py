"""Two bot processes in webhook mode behind one load balancer, on one PostgreSQL and Redis, as
in production: the local Bot API server delivers every update to the balancer's URL (which both
workers registered), the balancer spreads the POSTs over the workers, and every message is
answered once, each chat in order (stored and answered in the order sent), with both workers
taking part."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.devtools.local_api.load_balancer import RoundRobin, start_balancer
from storage.models import Conversation, Direction, Message
from tests.e2e.conftest import free_port, published_product

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4100000001:two-workers-token-0123456789abcdef"
SECRET = "two-workers-secret"
HOOK_PATH = "/telegram/webhook"
CHATS = 6
QUESTIONS = ("¿Sigue disponible?", "¿Qué tal la batería?", "Is the charger included?",
             "¿Tiene algún golpe?")


@dataclass
class Worker:
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    state: LocalBotApi
    balance: RoundRobin
    workers: list[Worker]


async def _healthy(http: aiohttp.ClientSession, worker: Worker) -> bool:
    try:
        async with http.get(f"{worker.url}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def _handled(http: aiohttp.ClientSession, worker: Worker) -> float:
    async with http.get(f"{worker.url}/metrics") as response:
        text = await response.text()
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples if sample.name == "updates_handled_total")


@pytest.fixture
async def cluster(fresh_database, redis_url, redis_prefix, tmp_path) -> AsyncIterator[Cluster]:
    # A slow turn on a loaded machine must not look like a lost delivery (Telegram: ~60 s).
    api_runner, api_url, state = await start_local_api(state=LocalBotApi(webhook_timeout=120))
    ports = [free_port(), free_port()]
    lb_runner, lb_url, balance = await start_balancer(
        [f"http://127.0.0.1:{port}" for port in ports])
    env = {**os.environ, "DATABASE_URL": fresh_database, "REDIS_URL": redis_url,
           "REDIS_KEY_PREFIX": redis_prefix, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": api_url, "TELEGRAM_MODE": "webhook",
           "TELEGRAM_WEBHOOK_URL": f"{lb_url}{HOOK_PATH}", "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "TELEGRAM_WEBHOOK_HOST": "127.0.0.1", "LLM_PROVIDER": "offline",
           "LOG_LEVEL": "INFO", "GOOGLE_API_KEY": ""}
    workers = []
    for port in ports:
        log = tmp_path / f"worker-{port}.log"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_ROOT,
            env={**env, "TELEGRAM_WEBHOOK_PORT": str(port)},
            stdout=log.open("wb"), stderr=asyncio.subprocess.STDOUT)
        workers.append(Worker(port, process, log))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 300  # a loaded 2-core machine imports slowly
            while not all([await _healthy(http, w) for w in workers]) or not state.webhook:
                for worker in workers:
                    assert worker.process.returncode is None, worker.log.read_text()[-3000:]
                assert loop.time() < deadline, "the workers did not start"
                await asyncio.sleep(0.5)
        yield Cluster(state, balance, workers)
    finally:
        for worker in workers:
            if worker.process.returncode is None:
                worker.process.terminate()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), 30)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()
        await lb_runner.cleanup()
        await api_runner.cleanup()


async def test_two_workers_answer_each_message_once_and_each_chat_in_order(
        cluster: Cluster, make_runtime, settings) -> None:
    runtime = await make_runtime(settings)  # this test's database and Redis keys
    product = await published_product(runtime)
    state = cluster.state
    assert state.webhook["url"].endswith(HOOK_PATH)
    buyers = [{"id": 730001 + n, "first_name": f"Comprador {n}", "language_code": "es"}
              for n in range(CHATS)]
    sent: dict[int, list[int]] = {}
    # Every chat's messages in a burst, chats interleaved: the deliveries overlap.
    for text in (f"/start {product.public_ref}", *QUESTIONS):
        for buyer in buyers:
            pushed = await state.push_text(buyer, text)
            sent.setdefault(buyer["id"], []).append(pushed.message_id)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 180
    expected = len(QUESTIONS) + 1
    while True:
        answered = {b["id"]: len(await state.bot_messages(b["id"])) for b in buyers}
        if min(answered.values()) >= expected and not state.updates.pending():
            break
        assert loop.time() < deadline, answered
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.0)  # a duplicate answer would show by now

    async with runtime.session_factory() as session:
        chats = {c.external_chat_id: c for c in (await session.scalars(
            select(Conversation).where(Conversation.product_id == product.id))).all()}
        stored = (await session.scalars(select(Message).where(
            Message.conversation_id.in_([c.id for c in chats.values()]))
            .order_by(Message.seq))).all()
    problems = {}
    for buyer in buyers:
        chat_id = buyer["id"]
        answers = await state.bot_messages(chat_id)
        conversation = chats[str(chat_id)]
        inbound = [m for m in stored if m.conversation_id == conversation.id
                   and m.direction is Direction.INBOUND]
        replies = [m for m in stored if m.conversation_id == conversation.id
                   and m.direction is Direction.OUTBOUND and m.reply_to_id is not None]
        stored_order = [int(m.external_message_id.split(":")[1]) for m in inbound]
        answered_order = [next(i.external_message_id for i in inbound if i.id == r.reply_to_id)
                          for r in replies]
        if len(answers) != expected:
            problems[chat_id] = f"{len(answers)} answers in the chat for {expected} messages"
        elif stored_order != sent[chat_id]:
            problems[chat_id] = f"stored in order {stored_order}, sent {sent[chat_id]}"
        elif answered_order != [m.external_message_id for m in inbound]:
            problems[chat_id] = f"answered in order {answered_order}"
    assert problems == {}
    async with aiohttp.ClientSession() as http:
        handled = [await _handled(http, worker) for worker in cluster.workers]
    assert all(count > 0 for count in handled), handled  # both workers took updates
    # every update reached a worker through the balancer (a redelivery would be one more)
    assert sum(handled) >= CHATS * expected
    assert cluster.balance.sent == [int(count) for count in handled]
