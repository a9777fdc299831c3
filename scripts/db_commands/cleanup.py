"""`db_manager.py cleanup`: stale bot sessions out, idle conversations archived."""

from __future__ import annotations

from rich.console import Console

from scripts.db_commands.progress_bar import ProgressBar
from scripts.db_commands.schema import require_schema
from scripts.service_access import Services
from storage.maintenance import run_cleanup


async def cleanup(
    services: Services, console: Console, *, days: int, archive_days: int, batch_size: int
) -> None:
    await require_schema(services.engine)
    with ProgressBar() as progress:
        result = await run_cleanup(
            services.engine, session_days=days, archive_days=archive_days,
            batch_size=batch_size, progress=progress,
        )
    console.print(
        f"deleted {_count(result.sessions_deleted, 'bot session')} idle over "
        f"{_count(days, 'day')}; archived {_count(result.conversations_archived, 'conversation')}"
        f" idle over {_count(archive_days, 'day')}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
