"""What the benchmark counts: replies as the local server receives them, model calls, database
and Redis round trips, and the process's peak memory.

Every probe is cheap (a counter or a clock read) so it does not change what it measures.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import PrivateAttr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from agents.models.offline import OfflineChatModel
from bot.devtools.local_api import LocalBotApi
from bot.devtools.local_api.chats import PrivateChat, StoredMessage


class TimedLocalBotApi(LocalBotApi):
    """The local server, noting the moment each bot message reaches it.

    A push registers the chat's next expected reply; the first bot message in that chat
    afterwards answers it. The latency is server-side: from the update being queued to the
    reply being stored, both on the server's own clock.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: dict[int, deque[asyncio.Future[float]]] = defaultdict(deque)

    def expect_reply(self, chat_id: int) -> asyncio.Future[float]:
        """A future resolved with the next reply's arrival time (time.perf_counter())."""
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._pending[chat_id].append(done)
        return done

    def add_bot_message(
        self,
        chat: PrivateChat,
        content: dict[str, Any],
        bot_id: int,
        *,
        reply_keyboard: list[list[str]] | None = None,
    ) -> StoredMessage:
        stored = super().add_bot_message(chat, content, bot_id, reply_keyboard=reply_keyboard)
        arrived = time.perf_counter()
        waiting = self._pending.get(chat.id)
        if waiting:  # other bot messages (a seller's notifications) answer no push
            done = waiting.popleft()
            if not done.done():  # a reply that came after its push gave up waiting
                done.set_result(arrived)
        return stored


class CountingOfflineModel(OfflineChatModel):
    """The offline model, counting its calls (the agents bind it once, at start-up).

    `latency` (seconds, 0 by default) makes every asynchronous call wait that long before it
    answers, as a hosted model's HTTP round trip would: the wait is I/O, not CPU, so the event
    loop serves others meanwhile.
    """

    _calls: int = PrivateAttr(default=0)
    _latency: float = PrivateAttr(default=0.0)

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = max(0.0, seconds)

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        if self._latency:
            await asyncio.sleep(self._latency)
        return await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any
    ) -> ChatResult:
        self._calls += 1
        return super()._generate(messages, stop=stop, **kwargs)


@dataclass
class DatabaseCounter:
    """Round trips to PostgreSQL through one engine.

    Statements come from `before_cursor_execute`; BEGIN, COMMIT and ROLLBACK each cost a
    round trip too (asyncpg sends them as queries; none on an AUTOCOMMIT connection), and so
    does the pool's pre-ping at every connection checkout when the pool pings.
    """

    statements: int = 0
    transactions: int = 0  # BEGIN
    ends: int = 0  # COMMIT or ROLLBACK
    checkouts: int = 0  # each one pings the server if the pool pre-pings
    pings: bool = False
    _targets: list[tuple[Any, str, Any]] = field(default_factory=list)

    def attach(self, engine: AsyncEngine) -> DatabaseCounter:
        sync_engine = engine.sync_engine
        self.pings = bool(getattr(sync_engine.pool, "_pre_ping", False))
        self._listen(sync_engine, "before_cursor_execute", self._statement)
        self._listen(sync_engine, "begin", self._begin)
        self._listen(sync_engine, "commit", self._end)
        self._listen(sync_engine, "rollback", self._end)
        self._listen(sync_engine.pool, "checkout", self._checkout)
        return self

    def detach(self) -> None:
        for target, name, handler in self._targets:
            event.remove(target, name, handler)
        self._targets.clear()

    @property
    def round_trips(self) -> int:
        return self.statements + self.transactions + self.ends + (
            self.checkouts if self.pings else 0)

    def snapshot(self) -> dict[str, int]:
        return {
            "statements": self.statements,
            "transactions": self.transactions,
            "round_trips": self.round_trips,
            "checkouts": self.checkouts,
        }

    def _listen(self, target: Any, name: str, handler: Any) -> None:
        event.listen(target, name, handler)
        self._targets.append((target, name, handler))

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _begin(self, connection: Any, *_: Any) -> None:
        if not _autocommit(connection):
            self.transactions += 1

    def _end(self, connection: Any, *_: Any) -> None:
        if not _autocommit(connection):
            self.ends += 1

    def _checkout(self, *_: Any) -> None:
        self.checkouts += 1


def _autocommit(connection: Any) -> bool:
    """An AUTOCOMMIT connection's BEGIN and COMMIT never reach the server (asyncpg)."""
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


class RedisCounter:
    """Round trips through one redis.asyncio client: each command, each pipeline flush."""

    def __init__(self, client: Any) -> None:
        self.calls = 0
        original = client.execute_command
        make_pipeline = client.pipeline

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return await original(*args, **kwargs)

        def counted_pipeline(*args: Any, **kwargs: Any) -> Any:
            pipeline = make_pipeline(*args, **kwargs)
            flush = pipeline.execute

            async def execute(*flush_args: Any, **flush_kwargs: Any) -> Any:
                self.calls += 1
                return await flush(*flush_args, **flush_kwargs)

            pipeline.execute = execute
            return pipeline

        client.execute_command = counted
        client.pipeline = counted_pipeline


class ErrorCounter(logging.Handler):
    """Counts error log records (a failed update logs one): figures from a run where the bot
    failed are not figures of the bot."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.errors += 1
        if self.first is None:
            self.first = f"{record.name}: {record.getMessage()}"[:300]

    def __enter__(self) -> ErrorCounter:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger().removeHandler(self)


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB); the embedded database and
    Redis are other processes and are not included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
