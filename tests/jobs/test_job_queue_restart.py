"""The job queue's worker outlives PostgreSQL going down and coming back: it keeps running
and runs the next job, and nothing is logged as an error.

Procrastinate's listener raises when it reconnects before the server accepts connections, and
procrastinate then stops the whole worker; bot/job_queue.py listens again instead. Whether the
listener tries while the server is down depends on timing (it notices a dead connection only
at its next keep-alive), so this test does not always reach that path; the fault suite's
postgres-restart scenario (scripts/chaos.py) does. The servers are throwaway ones of this test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import procrastinate
import pytest
import structlog.testing

from bot.devtools.chaos.servers import Servers, throwaway_servers
from bot.job_queue import JobQueue
from tests.e2e.test_e2e_outages import migrated


@pytest.fixture
def servers() -> Iterator[Servers]:
    with throwaway_servers() as started:
        yield started


async def test_the_worker_keeps_running_while_postgres_is_down_and_after(servers: Servers) -> None:
    ran: asyncio.Queue[str] = asyncio.Queue()

    def register(app: procrastinate.App) -> None:
        @app.task(name="note")
        async def note(word: str) -> None:
            await ran.put(word)

    queue = JobQueue(await migrated(servers), register)
    with structlog.testing.capture_logs() as logs:
        worker = asyncio.create_task(queue.run_worker({}))
        try:
            await queue.defer("note", lock=None, queueing_lock=None, word="before")
            assert await asyncio.wait_for(ran.get(), timeout=20) == "before"

            await asyncio.to_thread(servers.postgres.pause)
            await asyncio.sleep(2)  # the listener finds its connection gone, and no server
            await asyncio.to_thread(servers.postgres.resume)
            await asyncio.sleep(6)  # its next attempt, at most 5 s later

            assert not worker.done(), "the worker stopped with the restart"
            await queue.defer("note", lock=None, queueing_lock=None, word="after")
            assert await asyncio.wait_for(ran.get(), timeout=20) == "after"
            assert not worker.done()
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await queue.close()
    assert not [entry for entry in logs if entry["log_level"] in {"error", "critical"}]
