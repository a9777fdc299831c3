"""Webhook delivery as Telegram does it: once `setWebhook` names a URL, each queued update is
POSTed there as JSON, one update per request, with the secret token (if any) in
`X-Telegram-Bot-Api-Secret-Token`.

At most `max_connections` requests are in flight (Telegram's default is 40). A chat's next
update waits until its previous one was answered 2xx, so every chat arrives in order while chats
run in parallel. A non-2xx answer, a refused connection or no answer within `timeout` keeps the
update pending (same update_id) and retries it after a delay that doubles up to `max_retry`;
getWebhookInfo reports the last error as Telegram words it. An update counts as pending
(`pending_update_count`) until the bot answered it 2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.devtools.local_api.update_queue import UpdateQueue, update_kind

log = logging.getLogger(__name__)

DEFAULT_MAX_CONNECTIONS = 40
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
IDLE_CHECK_SECONDS = 60.0


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS


@dataclass
class _Retry:
    attempts: int
    not_before: float  # loop time


def chat_key(update: dict[str, Any]) -> str:
    """What orders an update: its chat (a message's, a pressed button's message's), else the
    person it comes from, else nothing but itself."""
    body = update.get(update_kind(update))
    if not isinstance(body, dict):
        return f"update:{update['update_id']}"
    chat = body.get("chat") or (body.get("message") or {}).get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return f"chat:{chat['id']}"
    person = body.get("from") or body.get("user")
    if isinstance(person, dict) and "id" in person:
        return f"user:{person['id']}"
    return f"update:{update['update_id']}"


class WebhookDelivery:
    """Pushes the queue's updates to the webhook while one is set."""

    def __init__(self, queue: UpdateQueue, clock: Callable[[], float], *,
                 timeout: float = 60.0, first_retry: float = 0.5, max_retry: float = 30.0) -> None:
        self.queue = queue
        self.clock = clock
        self.timeout = timeout
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._target: WebhookTarget | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._retries: dict[int, _Retry] = {}
        self._session: aiohttp.ClientSession | None = None
        self._rescan = False

    @property
    def target(self) -> WebhookTarget | None:
        return self._target

    def start(self, target: WebhookTarget) -> None:
        """Deliver to `target` from now on (a new URL takes the next requests)."""
        self._target = target
        self.last_error_date = self.last_error_message = None
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._run())
        self.queue.signal.notify()

    async def stop(self) -> None:
        """No more deliveries; requests in flight are abandoned (their updates stay pending)."""
        self._target = None
        tasks = [*self._in_flight.values(), *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._in_flight.clear()
        self._retries.clear()
        self._loop_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._target is not None:
            self._rescan = False
            self._start_ready(loop.time())
            # woken by a new update, a confirmation, or a failure that set a new retry time
            await self.queue.signal.wait_for(lambda: self._rescan or self._ready(loop.time()),
                                             self._next_retry_in(loop.time()))

    def _ready(self, now: float) -> list[dict[str, Any]]:
        """The updates that may go now: each chat's oldest, if not in flight or waiting out a
        retry delay, up to max_connections in flight."""
        target = self._target
        if target is None:
            return []
        room = target.max_connections - len(self._in_flight)
        chosen: list[dict[str, Any]] = []
        seen: set[str] = set()
        for update in self.queue.deliverable():
            if room <= len(chosen):
                break
            key = chat_key(update)
            if key in seen:
                continue
            seen.add(key)
            update_id = update["update_id"]
            retry = self._retries.get(update_id)
            if update_id in self._in_flight or (retry and retry.not_before > now):
                continue
            chosen.append(update)
        return chosen

    def _start_ready(self, now: float) -> None:
        loop = asyncio.get_running_loop()
        for update in self._ready(now):
            self._in_flight[update["update_id"]] = loop.create_task(self._deliver(update))

    def _next_retry_in(self, now: float) -> float:
        waits = [r.not_before - now for r in self._retries.values()]
        return max(0.01, min(waits, default=IDLE_CHECK_SECONDS))

    async def _deliver(self, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        target = self._target
        try:
            error = await self._post(target, update) if target else "webhook deleted"
        finally:
            self._in_flight.pop(update_id, None)
        if error is None:
            self._retries.pop(update_id, None)
            self.queue.remove(update_id)
            return
        retry = self._retries.setdefault(update_id, _Retry(0, 0.0))
        retry.attempts += 1
        delay = min(self.max_retry, self.first_retry * 2 ** (retry.attempts - 1))
        retry.not_before = asyncio.get_running_loop().time() + delay
        self.last_error_date, self.last_error_message = int(self.clock()), error
        log.info("webhook delivery of update %s failed (%s); retry in %.1fs", update_id, error,
                 delay)
        self._rescan = True
        self.queue.signal.notify()

    async def _post(self, target: WebhookTarget, update: dict[str, Any]) -> str | None:
        """POST one update; None when answered 2xx, else Telegram's words for what went wrong."""
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        headers = {"Content-Type": "application/json"}
        if target.secret_token:
            headers[SECRET_HEADER] = target.secret_token
        try:
            async with self._session.post(
                    target.url, data=json.dumps(update, ensure_ascii=False).encode(),
                    headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorDNSError:
            return "Failed to resolve host: Name or service not known"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"
