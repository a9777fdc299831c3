"""The scheduler across workers: each worker's own APScheduler (memory job store, nothing
synchronous on the loop) runs every job; the Redis job lock and the recorded last run let one
worker run a job once per period (a second worker, a restart, a concurrent run: skipped); a
restart keeps a job's rhythm; a failed run is retried; Redis down skips a run without an error;
`db_manager.py jobs` lists what Redis records."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from agents.conversation.outbox import OutboundMessage
from agents.jobs.scheduled import JOBS, NO_DEPS
from bot.scheduling import JobRunner, start_scheduler, stop_scheduler
from storage.job_runs import JobRuns
from storage.models import OfferParty, OfferStatus
from storage.redis_client import create_redis
from storage.redis_keys import KeySpace
from tests.marketplaces.ml_api import Clock

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Deliveries:
    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []
        self.arrived = asyncio.Event()

    async def __call__(self, messages: list[OutboundMessage]) -> None:
        self.messages += messages
        self.arrived.set()


def runner(session_factory, settings, redis_client, redis_prefix, clock: Clock,
           deliveries: Deliveries | None = None) -> JobRunner:
    return JobRunner(factory=session_factory, settings=settings,
                     runs=JobRuns(redis_client, KeySpace(redis_prefix)),
                     deliver=deliveries or Deliveries(), deps=NO_DEPS, clock=clock)


@pytest.fixture
def counted(monkeypatch) -> list[datetime]:
    """recompute_trust_scores replaced by a job that records when it ran."""
    ran: list[datetime] = []

    async def job(factory, settings, now, deps) -> list[OutboundMessage]:
        ran.append(now)
        return []

    monkeypatch.setitem(JOBS, "recompute_trust_scores", job)
    return ran


async def test_every_worker_schedules_every_job_in_its_own_memory_store(
        session_factory, settings, redis_client, redis_prefix) -> None:
    workers = [runner(session_factory, settings, redis_client, redis_prefix, Clock())
               for _ in range(2)]
    schedulers = [await start_scheduler(worker, settings.scheduler) for worker in workers]
    try:
        for scheduler in schedulers:
            jobs = {job.id: job for job in scheduler.get_jobs()}
            assert set(jobs) == set(JOBS)
            assert all(job.next_run_time is not None for job in jobs.values())
            assert isinstance(scheduler._lookup_jobstore("default"), MemoryJobStore)
        assert schedulers[0]._jobstores["default"] is not schedulers[1]._jobstores["default"]
    finally:
        for scheduler in schedulers:
            stop_scheduler(scheduler)


async def test_two_workers_run_a_job_once_per_period(
        session_factory, settings, redis_client, redis_prefix, counted) -> None:
    clock = Clock()
    first, second = (runner(session_factory, settings, redis_client, redis_prefix, clock)
                     for _ in range(2))
    period = timedelta(minutes=settings.scheduler.trust_score_minutes)

    assert await first.run("recompute_trust_scores") == []
    assert await second.run("recompute_trust_scores") is None  # ran this period already
    clock.advance(seconds=period.total_seconds() / 2)
    assert await first.run("recompute_trust_scores") is None
    clock.advance(seconds=period.total_seconds() / 2)
    assert await second.run("recompute_trust_scores") == []  # the next period: whoever is first
    assert await first.run("recompute_trust_scores") is None
    assert len(counted) == 2 and counted[1] - counted[0] >= period


async def test_a_job_another_worker_is_running_is_skipped(
        session_factory, settings, redis_client, redis_prefix, monkeypatch) -> None:
    clock = Clock()
    first = runner(session_factory, settings, redis_client, redis_prefix, clock)
    second = runner(session_factory, settings, redis_client, redis_prefix, clock)
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow_job(*args: object) -> list[OutboundMessage]:
        started.set()
        await finish.wait()
        return []

    monkeypatch.setitem(JOBS, "recompute_trust_scores", slow_job)
    running = asyncio.create_task(first.run("recompute_trust_scores"))
    await asyncio.wait_for(started.wait(), 5)

    assert await second.run("recompute_trust_scores") is None  # skipped: first holds the lock
    finish.set()
    assert await running == []
    assert not await redis_client.exists(KeySpace(redis_prefix).job_lock(
        "recompute_trust_scores"))  # released after the run


async def test_a_failed_run_is_not_recorded_and_the_next_one_retries(
        session_factory, settings, redis_client, redis_prefix, monkeypatch) -> None:
    attempts = []

    async def flaky(factory, settings, now, deps) -> list[OutboundMessage]:
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError("the database blinked")
        return []

    monkeypatch.setitem(JOBS, "expire_offers", flaky)
    worker = runner(session_factory, settings, redis_client, redis_prefix, Clock())
    await worker.scheduled("expire_offers")  # logged, not raised: the scheduler goes on
    assert await worker.runs.last_run("expire_offers") is None
    assert await worker.run("expire_offers") == []
    assert len(attempts) == 2
    assert await worker.runs.last_run("expire_offers") == attempts[1]


async def test_without_redis_a_run_is_skipped_and_nothing_raises(
        session_factory, settings, tmp_path, counted) -> None:
    dead = create_redis(f"unix://{tmp_path}/no-redis.sock")
    try:
        worker = runner(session_factory, settings, dead, "test:dead:", Clock())
        assert await worker.run("recompute_trust_scores") is None
        scheduler = await start_scheduler(worker, settings.scheduler)
        stop_scheduler(scheduler)
    finally:
        await dead.aclose()
    assert counted == []


async def test_a_restart_keeps_each_jobs_rhythm(
        session_factory, settings, redis_client, redis_prefix) -> None:
    worker = runner(session_factory, settings, redis_client, redis_prefix, Clock())
    now = datetime.now(UTC)
    period = timedelta(minutes=settings.scheduler.expiry_minutes)
    await worker.runs.record("expire_offers", now - period / 5, period)
    await worker.runs.record("expire_reservations", now - period * 3, period)
    scheduler = await start_scheduler(worker, settings.scheduler)
    try:
        recent = scheduler.get_job("expire_offers").next_run_time
        overdue = scheduler.get_job("expire_reservations").next_run_time
        never = scheduler.get_job("mark_abandoned_conversations").next_run_time
    finally:
        stop_scheduler(scheduler)
    assert abs(recent - (now + period * 4 / 5)) < timedelta(seconds=5)  # not reset at start
    assert overdue - now < timedelta(seconds=5)  # missed while down: at once
    assert abs(never - (now + period)) < timedelta(seconds=5)  # a first start: one period


async def test_two_schedulers_run_a_due_job_once_and_its_messages_are_delivered(
        session_factory, settings, redis_client, redis_prefix, rows) -> None:
    clock = Clock(datetime.now(UTC))
    seller = await rows.seller()
    chat = await rows.chat(await rows.product(seller), await rows.buyer())
    await rows.offer(chat, "320", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                     created_at=clock.now - timedelta(days=2))
    deliveries = Deliveries()
    workers = [runner(session_factory, settings, redis_client, redis_prefix, clock, deliveries)
               for _ in range(2)]
    schedulers = [await start_scheduler(worker, settings.scheduler) for worker in workers]
    try:
        for scheduler in schedulers:
            scheduler.modify_job("expire_offers", next_run_time=datetime.now(UTC))
        await asyncio.wait_for(deliveries.arrived.wait(), 10)
        await asyncio.sleep(0.5)  # the other worker's run had its chance
    finally:
        for scheduler in schedulers:
            stop_scheduler(scheduler)
    assert sorted(m.recipient for m in deliveries.messages) == ["buyer", "seller"]


async def test_db_manager_jobs_lists_the_last_and_next_runs(
        fresh_database, settings, redis_client, redis_prefix, redis_url) -> None:
    runs = JobRuns(redis_client, KeySpace(redis_prefix))
    last = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)
    await runs.record("seller_digest", last, timedelta(days=1))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "scripts/db_manager.py", "jobs", cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": fresh_database.replace("+asyncpg", ""),
             "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": redis_prefix},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    listing = out.decode()
    assert re.search(r"seller_digest\s+last 2026-11-30 09:00:05\s+next \d{4}-", listing), listing
    for job_id in set(JOBS) - {"seller_digest"}:
        assert re.search(rf"{job_id}\s+last never\s+next \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d",
                         listing), listing
