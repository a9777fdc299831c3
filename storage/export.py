"""A complete JSON export of the database, streamed, and the reader that loads it back.

The export reads every table of the schema inside one read-only REPEATABLE READ transaction
(a consistent snapshot, even while the bot keeps writing) through server-side cursors, a batch
at a time, so memory stays flat whatever the size of the database. The file is written next to
its destination and renamed at the end: a failed export never leaves a file that looks whole.

Layout (one JSON object): `format`, `version`, `exported_at`, `revision` (alembic), `tables`
(name -> list of rows, in dependency order) and `row_counts`, which the reader checks.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import DateTime, MetaData, Numeric, Table, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.migrations import current_revision
from storage.models import Base
from storage.progress import Progress, SilentProgress

EXPORT_FORMAT = "marketbot-export"
EXPORT_VERSION = 1
DEFAULT_BATCH_SIZE = 1000


class ExportFormatError(ValueError):
    """The file is not a complete marketbot export."""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    revision: str | None
    row_counts: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


@dataclass(frozen=True)
class DatabaseExport:
    """An export loaded back: rows as dicts, with UUIDs, datetimes and Decimals restored."""

    exported_at: datetime
    revision: str | None
    tables: dict[str, list[dict[str, Any]]]

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def json_value(value: Any) -> Any:
    """`json.dumps(default=…)`: the types PostgreSQL hands back that JSON has no word for."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # a string keeps every digit; a float would not
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def _dump(value: Any) -> str:
    return json.dumps(value, default=json_value, ensure_ascii=False)


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _write_table(
    conn: AsyncConnection, table: Table, out: IO[str], batch_size: int, progress: Progress
) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    result = await conn.stream(
        select(table).order_by(*order), execution_options={"yield_per": batch_size}
    )
    written = 0
    async for batch in result.partitions():
        for row in batch:
            out.write(",\n    " if written else "\n    ")
            out.write(_dump(dict(row._mapping)))
            written += 1
        progress.advance(len(batch))
    out.write("\n  ]" if written else "]")
    return written


async def export_database(
    engine: AsyncEngine,
    path: Path,
    *,
    metadata: MetaData | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write every table of `metadata` (the whole schema by default) to `path`."""
    metadata = metadata or Base.metadata
    progress = progress or SilentProgress()
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    counts: dict[str, int] = {}
    async with engine.connect() as raw:
        conn = await raw.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            await conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            revision = await current_revision(conn)
            tables = metadata.sorted_tables
            totals = {table.name: await _count(conn, table) for table in tables}
            progress.begin("exporting", sum(totals.values()))
            with partial.open("w", encoding="utf-8") as out:
                out.write("{\n")
                out.write(f'  "format": {_dump(EXPORT_FORMAT)},\n')
                out.write(f'  "version": {EXPORT_VERSION},\n')
                out.write(f'  "exported_at": {_dump(datetime.now(UTC))},\n')
                out.write(f'  "revision": {_dump(revision)},\n')
                out.write('  "tables": {')
                for index, table in enumerate(tables):
                    out.write(",\n" if index else "\n")
                    out.write(f"  {_dump(table.name)}: [")
                    counts[table.name] = await _write_table(conn, table, out, batch_size, progress)
                out.write("\n  },\n")
                out.write(f'  "row_counts": {_dump(counts)}\n')
                out.write("}\n")
                out.flush()
                os.fsync(out.fileno())
    partial.replace(path)
    return ExportSummary(path=path, revision=revision, row_counts=counts)


def _restorer(table: Table | None) -> dict[str, Any]:
    """Per column, the function turning its JSON form back into the Python value."""
    if table is None:
        return {}
    restore: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, Uuid):
            restore[column.name] = uuid.UUID
        elif isinstance(column.type, DateTime):
            restore[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Numeric):
            restore[column.name] = Decimal
    return restore


def read_export(path: Path | str, *, metadata: MetaData | None = None) -> DatabaseExport:
    """Load an export back; raises `ExportFormatError` when it is not a whole export."""
    metadata = metadata or Base.metadata
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise ExportFormatError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ExportFormatError(f"{path}: not a {EXPORT_FORMAT} file")
    if data.get("version") != EXPORT_VERSION:
        raise ExportFormatError(f"{path}: export version {data.get('version')} is not supported")
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, rows in data["tables"].items():
        restore = _restorer(metadata.tables.get(name))
        tables[name] = [
            {key: (restore[key](value) if value is not None and key in restore else value)
             for key, value in row.items()}
            for row in rows
        ]
    loaded = DatabaseExport(
        exported_at=datetime.fromisoformat(data["exported_at"]),
        revision=data.get("revision"),
        tables=tables,
    )
    if loaded.row_counts != data.get("row_counts"):
        raise ExportFormatError(f"{path}: row counts do not match the rows in the file")
    return loaded
