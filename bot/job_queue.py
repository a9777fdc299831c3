"""The job engine: procrastinate, on our PostgreSQL (its own schema, `procrastinate`).

The durable hand-offs run here: an update whose handling failed (retried with backoff), an
inbound message to answer later (throttled, or left unanswered by a crash), an outbound message
to send again (a failed send; Telegram's 429 `retry_after`). The fast path does not go through
it: the worker that stored a message answers it at once, and only what that path could not
finish becomes a job.

Why procrastinate: jobs that share a `lock` run one at a time, across workers (`chat:<id>`:
each chat's jobs in order); a `queueing_lock` keeps at most one waiting job per inbox row or
message (a sweep and a failure handing off the same thing make one job); retries and delays are
columns of the job row, so a crash forgets neither; periodic tasks are deferred once across
workers. Jobs live in PostgreSQL beside the rows they point at: no broker to run, nothing lost
when Redis is down. The connection pool is opened on first use, so a process that never defers
a job opens none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import procrastinate
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from storage.database import is_disconnect

log = structlog.get_logger(__name__)

JOB_SCHEMA = "procrastinate"  # alembic/versions/*_0007_inbox_and_job_queue.py
WORKER_CONCURRENCY = 4  # jobs one process runs at once: recovery's bounded parallelism
POOL_SIZE = WORKER_CONCURRENCY + 2
LISTEN_RETRY_MAX_WAIT = 5.0  # seconds between attempts to listen again while PostgreSQL is down

def libpq_conninfo(database_url: str) -> str:
    """Our `postgresql+asyncpg://` URL as libpq (psycopg) takes it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _listening_again(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    log.warning("jobs.listener_reconnecting", attempt=state.attempt_number,
                error=type(failure).__name__, reason=str(failure)[:200])


class _Connector(procrastinate.PsycopgConnector):
    """Procrastinate's connector, whose listener outlives a PostgreSQL restart.

    Its own listener reconnects when a live connection drops, but raises when it cannot connect
    again at once (the server still starting), and procrastinate then stops the whole worker.
    Here it waits and listens again; jobs keep being fetched by polling meanwhile."""

    async def listen_notify(self, on_notification: Any, channels: Any) -> None:
        async for attempt in AsyncRetrying(
                retry=retry_if_exception(is_disconnect), before_sleep=_listening_again,
                wait=wait_exponential(multiplier=0.2, max=LISTEN_RETRY_MAX_WAIT)):
            with attempt:
                await super().listen_notify(on_notification=on_notification,
                                            channels=channels)


class JobQueue:
    """Defer jobs and run a worker; one per runtime."""

    def __init__(self, database_url: str, register: Callable[[procrastinate.App], None]
                 ) -> None:
        connector = _Connector(
            conninfo=libpq_conninfo(database_url), min_size=1, max_size=POOL_SIZE,
            kwargs={"options": f"-c search_path={JOB_SCHEMA}"})
        self.app = procrastinate.App(connector=connector)
        register(self.app)  # bot.job_tasks.register_tasks
        self._opened = False
        self._opening = asyncio.Lock()

    async def open(self) -> None:
        async with self._opening:
            if not self._opened:
                await self.app.open_async()
                self._opened = True

    async def close(self) -> None:
        if self._opened:
            self._opened = False
            await self.app.close_async()

    async def defer(self, task: str, *, lock: str | None, queueing_lock: str | None,
                    delay: float = 0.0, **kwargs: Any) -> bool:
        """Queue a job; False when the same job (its queueing lock) is already waiting."""
        await self.open()
        options: dict[str, Any] = {"lock": lock, "queueing_lock": queueing_lock}
        if delay > 0:
            options["schedule_in"] = {"seconds": delay}
        try:
            await self.app.configure_task(task, allow_unknown=False,
                                          **options).defer_async(**kwargs)
        except AlreadyEnqueued:
            return False
        return True

    async def run_worker(self, context: dict[str, Any], *,
                         concurrency: int = WORKER_CONCURRENCY) -> None:
        """Run jobs until cancelled (a cancel lets the running ones finish first)."""
        await self.open()
        await self.app.run_worker_async(
            concurrency=concurrency, wait=True, install_signal_handlers=False,
            additional_context=context, delete_jobs="successful",
            shutdown_graceful_timeout=10.0, listen_notify=True)
