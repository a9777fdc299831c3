"""Prometheus metrics of one running bot, and the hooks that feed them.

`BotMetrics` keeps its own `CollectorRegistry`, never prometheus_client's global one, so two bots
in one process (the tests run many) count separately. One is made per runtime and handed to
whoever counts: `MetricsMiddleware` on the Dispatcher and the web app's `/metrics`.

The channel sends replies deep inside handlers that never see the metrics object, so each send
is noted on the `UpdateTally` of the update being handled (a ContextVar the middleware sets) and
the agent turn adds its model calls and tokens to the tally's `ModelUsage` the same way; the
middleware turns the tally into counts when the update is done.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from agents.agent_turn import ModelUsage, turn_usage

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class UpdateTally:
    """What handling one update produced, noted as it happens."""

    received: float = field(default_factory=time.perf_counter)
    sent: Tally[str] = field(default_factory=Tally)  # recipient role -> messages sent
    send_errors: int = 0
    last_sent: float | None = None
    usage: ModelUsage = field(default_factory=ModelUsage)


_current: ContextVar[UpdateTally | None] = ContextVar("update_tally", default=None)


def note_sent(role: str) -> None:
    """The channel sent one stored message to a seller or a buyer."""
    tally = _current.get()
    if tally is not None:
        tally.sent[role] += 1
        tally.last_sent = time.perf_counter()


def note_send_failed() -> None:
    tally = _current.get()
    if tally is not None:
        tally.send_errors += 1


class BotMetrics:
    """The counters, the latency histogram and their registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("updates_handled", "Updates that reached the handlers, by kind",
                               ["kind"], registry=self.registry)
        self.replies = Counter("replies", "Messages the bot sent, by recipient role", ["role"],
                               registry=self.registry)
        self.model_calls = Counter("model_calls", "Chat model calls made by agent turns",
                                   registry=self.registry)
        self.tokens = Counter("tokens", "Model tokens, by direction (input|output)",
                              ["direction"], registry=self.registry)
        self.cost = Counter("model_cost_usd", "Estimated cost of the hosted model's calls "
                                              "(listing writer included), US dollars",
                            registry=self.registry)
        self.fallbacks = Counter("model_fallbacks", "Hosted-model calls answered by the offline "
                                                    "fallback, and turns that hit the call "
                                                    "limit, by cause", ["cause"],
                                 registry=self.registry)
        self.latency = Histogram("update_reply_latency_seconds",
                                 "From an update's receipt to the last reply it caused",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter("errors", "Failures: a handler raised (update) or a send failed "
                                        "(send)", ["kind"], registry=self.registry)
        for direction in ("input", "output"):  # shown at 0 before the first turn
            self.tokens.labels(direction)
        for kind in ("update", "send"):
            self.errors.labels(kind)

    @contextmanager
    def observing(self, kind: str | None) -> Iterator[UpdateTally]:
        """Count what one unit of work produced: an update of `kind`, or (None) other work such
        as answering at start-up what a crash left unanswered."""
        tally = UpdateTally()
        tokens = _current.set(tally), turn_usage.set(tally.usage)
        try:
            yield tally
        except Exception:
            self.errors.labels("update").inc()
            raise
        finally:
            _current.reset(tokens[0])
            turn_usage.reset(tokens[1])
            if kind is not None:
                self.updates.labels(kind).inc()
            self.record(tally)

    def record(self, tally: UpdateTally) -> None:
        for role, count in tally.sent.items():
            self.replies.labels(role).inc(count)
        if tally.send_errors:
            self.errors.labels("send").inc(tally.send_errors)
        usage = tally.usage
        if usage.model_calls:
            self.model_calls.inc(usage.model_calls)
        if usage.input_tokens:
            self.tokens.labels("input").inc(usage.input_tokens)
        if usage.output_tokens:
            self.tokens.labels("output").inc(usage.output_tokens)
        if usage.cost_usd:
            self.cost.inc(usage.cost_usd)
        for cause, count in usage.fallbacks.items():
            self.fallbacks.labels(cause).inc(count)
        if tally.last_sent is not None:
            self.latency.observe(tally.last_sent - tally.received)

    def install(self, dispatcher: Dispatcher) -> None:
        """Count the Dispatcher's updates (after its duplicate filter: dropped ones are not)."""
        dispatcher.update.outer_middleware(MetricsMiddleware(self))

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when never set); for tests and checks."""
        return self.registry.get_sample_value(name, labels or None) or 0.0


class MetricsMiddleware(BaseMiddleware):
    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        with self.metrics.observing(update_kind(event)):
            return await handler(event, data)


def update_kind(event: TelegramObject) -> str:
    """"message", "callback_query", ... ("unknown" for a type this aiogram does not know)."""
    try:
        return event.event_type if isinstance(event, Update) else type(event).__name__
    except UpdateTypeLookupError:
        return "unknown"
