"""The scheduler: every job registered in the PostgreSQL job store (a restart updates, never
duplicates), `db_manager.py jobs` lists them, a due job runs and its messages are delivered, and
the Redis job lock keeps two workers from running one job at once."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from agents.jobs import JOBS, NO_DEPS
from agents.outbox import OutboundMessage
from bot.scheduling import (
    JOBSTORE_TABLE,
    JobRunner,
    start_scheduler,
    stop_scheduler,
    sync_database_url,
)
from storage.conversation_lock import ConversationLock
from storage.database import create_engine
from storage.models import OfferParty, OfferStatus
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
                     lock=ConversationLock(redis_client, KeySpace(redis_prefix)),
                     deliver=deliveries or Deliveries(), deps=NO_DEPS, clock=clock)


def test_the_job_store_uses_the_sync_driver() -> None:
    assert sync_database_url("postgresql+asyncpg://u:p@db:5432/marketbot") == (
        "postgresql+psycopg://u:p@db:5432/marketbot")


async def test_jobs_are_stored_once_with_their_next_run_and_listed_by_db_manager(
        fresh_database: str, session_factory, settings, redis_client, redis_prefix) -> None:
    worker = runner(session_factory, settings, redis_client, redis_prefix, Clock())
    scheduler = start_scheduler(fresh_database, worker, settings.scheduler)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == set(JOBS)
        assert all(job.next_run_time is not None for job in jobs.values())
    finally:
        stop_scheduler(scheduler)
    # A restart (or a second worker) with another interval: updated in place.
    faster = settings.scheduler.model_copy(update={"expiry_minutes": 1})
    restarted = start_scheduler(fresh_database, worker, faster)
    try:
        assert restarted.get_job("expire_offers").trigger.interval == timedelta(minutes=1)
    finally:
        stop_scheduler(restarted)
    engine = create_engine(fresh_database)
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(text(f"SELECT count(*) FROM {JOBSTORE_TABLE}"))).scalar()
    finally:
        await engine.dispose()
    assert stored == len(JOBS)

    process = await asyncio.create_subprocess_exec(
        sys.executable, "scripts/db_manager.py", "jobs", cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": fresh_database.replace("+asyncpg", "")},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    listing = out.decode()
    for job_id in JOBS:
        assert re.search(rf"{job_id}\W+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d", listing), listing


async def test_a_due_job_runs_on_schedule_and_its_messages_are_delivered(
        fresh_database: str, session_factory, settings, redis_client, redis_prefix, rows) -> None:
    clock = Clock(datetime.now(UTC))
    seller = await rows.seller()
    chat = await rows.chat(await rows.product(seller), await rows.buyer())
    await rows.offer(chat, "320", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                     created_at=clock.now - timedelta(days=2))
    deliveries = Deliveries()
    worker = runner(session_factory, settings, redis_client, redis_prefix, clock, deliveries)
    scheduler = start_scheduler(fresh_database, worker, settings.scheduler)
    try:
        scheduler.modify_job("expire_offers", next_run_time=datetime.now(UTC))
        await asyncio.wait_for(deliveries.arrived.wait(), 10)
    finally:
        stop_scheduler(scheduler)
    assert sorted(m.recipient for m in deliveries.messages) == ["buyer", "seller"]


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

    assert await second.run("recompute_trust_scores") is None  # skipped: first holds it
    finish.set()
    assert await running == []
    assert await second.run("recompute_trust_scores") == []  # released after the run
