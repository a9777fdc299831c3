"""What PostgreSQL says about the bot's sessions while the load runs, from `pg_stat_activity`.

A sampler on a connection of its own (to another database, so it is not counted) reads, every
`interval` seconds, how many sessions the benchmark's database has and how long the oldest
session has sat "idle in transaction": a transaction held open while its connection does
nothing, which is what a turn that keeps its transaction across a model call looks like. It also
counts what the active sessions wait on (`wait_event_type:wait_event`, with the statement when
it is a lock): a hot row shows up as `Lock:transactionid` on one UPDATE.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

SAMPLE_SQL = """
SELECT count(*) AS sessions,
       coalesce(max(extract(epoch FROM clock_timestamp() - state_change))
                FILTER (WHERE state = 'idle in transaction'), 0) AS idle_in_transaction,
       count(*) FILTER (WHERE state = 'idle in transaction') AS idle_sessions
FROM pg_stat_activity
WHERE datname = $1 AND backend_type = 'client backend'
"""
WAITS_SQL = """
SELECT wait_event_type || ':' || wait_event AS wait,
       CASE WHEN wait_event_type = 'Lock' THEN left(regexp_replace(query, '\\s+', ' ', 'g'), 60)
       END AS query
FROM pg_stat_activity
WHERE datname = $1 AND backend_type = 'client backend' AND state = 'active'
  AND wait_event_type IS NOT NULL AND wait_event_type <> 'Client'
"""


@dataclass
class ActivityPeaks:
    max_idle_in_transaction_s: float = 0.0
    max_idle_in_transaction_sessions: int = 0
    max_db_connections: int = 0
    samples: int = 0
    waits: Counter[str] = field(default_factory=Counter)  # samples × sessions waiting on it

    def note(self, sessions: int, idle_in_transaction: float, idle_sessions: int) -> None:
        self.samples += 1
        self.max_db_connections = max(self.max_db_connections, sessions)
        self.max_idle_in_transaction_s = max(self.max_idle_in_transaction_s,
                                             idle_in_transaction)
        self.max_idle_in_transaction_sessions = max(self.max_idle_in_transaction_sessions,
                                                    idle_sessions)


@contextlib.asynccontextmanager
async def sampling(admin_dsn: str, database: str, interval: float = 0.05
                   ) -> AsyncIterator[ActivityPeaks]:
    """Sample `database`'s sessions until the block ends; the peaks fill in as it runs.
    `admin_dsn` is a plain `postgresql://` DSN of another database on the same server."""
    peaks = ActivityPeaks()
    connection = await asyncpg.connect(admin_dsn)

    async def loop() -> None:
        while True:
            try:
                row = await connection.fetchrow(SAMPLE_SQL, database)
                waits = await connection.fetch(WAITS_SQL, database)
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await asyncio.sleep(interval)  # the server restarting (chaos): sample later
                continue
            if row is not None:
                peaks.note(int(row["sessions"]), float(row["idle_in_transaction"]),
                           int(row["idle_sessions"]))
            peaks.waits.update(w["wait"] + (f" ({w['query']})" if w["query"] else "")
                               for w in waits)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop())
    try:
        yield peaks
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await connection.close()
