"""`--workers N`: the saturation load on worker processes behind the local server's webhook
delivery, one worker first and then N, to see how far more processes take the throughput.

Each worker is `python -m bot.devtools.bench.worker` (the bot's own runner in webhook mode, on the
slow counting model) on a web port of its own; a round-robin load balancer
(bot.devtools.local_api's) is the one webhook URL they all register, as nginx is in production. The
load and the server stay in this process; replies are counted per chat as in the other phases.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.devtools.bench.answers import ChatLog, count_chats
from bot.devtools.bench.load import ChatDriver, open_chats, saturate
from bot.devtools.bench.stack import UNLIMITED, Stack
from bot.factory import LOCAL_TOKEN
from config.settings import PROJECT_ROOT

READY_SECONDS = 240.0
WEBHOOK_PATH = "/telegram/webhook"


@dataclass
class WorkersResult:
    workers: int
    rate: float
    answered: int
    timed_out: int
    lost: int
    duplicates: int
    per_worker: list[int]  # webhook requests each worker answered


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_env(stack: Stack, web_port: int, webhook_url: str, latency: float) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("GOOGLE_API_KEY", "TELEGRAM_MODE", "LLM_PROVIDER")}
    env.update({
        "DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url,
        "REDIS_KEY_PREFIX": stack.runtime.keys.prefix,
        "REDIS_RATE_LIMIT_PER_ACTOR": str(UNLIMITED), "REDIS_RATE_LIMIT_GLOBAL": str(UNLIMITED),
        "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN, "TELEGRAM_API_BASE_URL": stack.base_url,
        "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": webhook_url,
        "TELEGRAM_WEBHOOK_HOST": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(web_port),
        "LLM_PROVIDER": "offline", "SCHEDULER_ENABLED": "false", "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json", "BENCH_MODEL_LATENCY": str(latency),
    })
    return env


async def _ready(ports: list[int], processes: list[asyncio.subprocess.Process]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_SECONDS
    async with aiohttp.ClientSession() as session:
        for port in ports:
            while True:
                if any(p.returncode is not None for p in processes):
                    raise RuntimeError("a bench worker exited at start-up")
                if loop.time() > deadline:
                    raise RuntimeError(f"bench workers not up within {READY_SECONDS} s")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"http://127.0.0.1:{port}/healthz",
                                           timeout=aiohttp.ClientTimeout(total=3)):
                        break
                await asyncio.sleep(0.3)


@contextlib.asynccontextmanager
async def running_workers(stack: Stack, count: int, latency: float
                          ) -> AsyncIterator[list[int]]:
    """`count` workers behind a balancer, the webhook set; yields each one's request count
    (filled in as they answer)."""
    from bot.devtools.local_api.load_balancer import start_balancer

    ports = [_free_port() for _ in range(count)]
    runner, balancer_url, balance = await start_balancer(
        [f"http://127.0.0.1:{port}" for port in ports])
    processes: list[asyncio.subprocess.Process] = []
    try:
        for port in ports:
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.devtools.bench.worker", cwd=str(PROJECT_ROOT),
                env=worker_env(stack, port, balancer_url + WEBHOOK_PATH, latency),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL))
        await _ready(ports, processes)
        await asyncio.sleep(1.0)  # the last one's setWebhook, after its web server is up
        yield balance.sent
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
            if process.returncode is None:
                process.kill()
                await process.wait()
        bot = stack.bot()  # back to no webhook: the server queues for getUpdates again
        try:
            await bot.delete_webhook()
        finally:
            await bot.session.close()
        await runner.cleanup()


async def workers_phase(stack: Stack, driver: ChatDriver, count: int, chats: list[dict[str, Any]],
                        opening: Callable[[int], str], text_for: Callable[[int, int], str],
                        duration: float, latency: float,
                        settle: Callable[[list[dict[str, Any]]], Awaitable[None]],
                        logs: Callable[[list[dict[str, Any]]], list[tuple[str, ChatLog]]]
                        ) -> WorkersResult:
    """Open the chats, saturate them for `duration`, wait for stragglers, count."""
    async with running_workers(stack, count, latency) as per_worker:
        await open_chats(driver, chats, opening)
        result = await saturate(driver, chats, text_for, duration)
        await settle(chats)
        answers = count_chats(logs(chats))
        return WorkersResult(count, result.rate, result.answered, result.timed_out,
                             answers.lost, answers.duplicated, list(per_worker))
