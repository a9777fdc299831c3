"""What the workers' schedulers share: one run of a job at a time (a redis-py `Lock` per job)
and when each job last ran to the end, so neither a second worker nor a restart runs a job again
within its period.

Every worker runs its own APScheduler on a memory job store (APScheduler 3: a job store must
never be shared between schedulers); they agree through these two keys. Redis down means no
claim: the run is skipped and the next one tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from storage.redis_keys import KeySpace

log = structlog.get_logger(__name__)

# Timers of two workers (or of one worker's restarts) drift apart by a little: a run this much
# short of a full period after the last one still counts as the next period's.
PERIOD_SLACK = 0.1
MIN_LAST_RUN_TTL = timedelta(days=2)


@dataclass
class JobClaim:
    """This worker's turn to run a job; `finished()` records the run, `release()` frees it."""

    runs: JobRuns
    job_id: str
    lock: Lock
    period: timedelta

    async def finished(self, started: datetime) -> None:
        await self.runs.record(self.job_id, started, self.period)

    async def release(self) -> None:
        try:
            await self.lock.release()
        except LockError:  # it expired during a run longer than its timeout
            log.warning("job.lock_lost_before_release", job=self.job_id)


class JobRuns:
    def __init__(self, redis: aioredis.Redis, keys: KeySpace) -> None:
        self._redis = redis
        self._keys = keys

    async def claim(self, job_id: str, *, now: datetime, period: timedelta,
                    lock_seconds: float) -> JobClaim | None:
        """The job's claim if no worker is running it and none ran it this period, else None.
        A Redis failure propagates (the caller skips the run)."""
        lock = self._redis.lock(self._keys.job_lock(job_id), timeout=lock_seconds,
                                blocking=False, thread_local=False)
        if not await lock.acquire():
            log.info("job.skipped_running_elsewhere", job=job_id)
            return None
        claim = JobClaim(self, job_id, lock, period)
        try:
            last = await self.last_run(job_id)
        except BaseException:
            await claim.release()
            raise
        if last is not None and now - last < period * (1 - PERIOD_SLACK):
            await claim.release()
            log.info("job.skipped_ran_this_period", job=job_id, last_run=last.isoformat())
            return None
        return claim

    async def record(self, job_id: str, started: datetime, period: timedelta) -> None:
        ttl = max(period * 3, MIN_LAST_RUN_TTL)
        await self._redis.set(self._keys.job_last_run(job_id), started.isoformat(),
                              ex=int(ttl.total_seconds()))

    async def last_run(self, job_id: str) -> datetime | None:
        return (await self.last_runs([job_id]))[job_id]

    async def last_runs(self, job_ids: list[str]) -> dict[str, datetime | None]:
        if not job_ids:
            return {}
        values = await self._redis.mget([self._keys.job_last_run(j) for j in job_ids])
        return {job_id: datetime.fromisoformat(v.decode() if isinstance(v, bytes) else v)
                if v else None for job_id, v in zip(job_ids, values, strict=True)}
