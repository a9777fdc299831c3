"""`db_manager.py export`: every table to one JSON file, streamed, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from scripts.db_commands.progress_bar import ProgressBar
from scripts.db_commands.schema import require_schema
from scripts.operator_cli import OperatorError
from scripts.service_access import Services
from storage.export import export_database


async def export(services: Services, console: Console, *, path: Path, batch_size: int) -> None:
    await require_schema(services.engine)
    if not path.parent.is_dir():
        raise OperatorError(f"cannot write {path}: folder {path.parent} does not exist")
    with ProgressBar() as progress:
        summary = await export_database(
            services.engine, path, batch_size=batch_size, progress=progress
        )
    tables = sum(1 for count in summary.row_counts.values() if count)
    console.print(
        f"exported {summary.total_rows} rows from {len(summary.row_counts)} tables "
        f"({tables} non-empty) at revision {summary.revision} to {path}"
    )
