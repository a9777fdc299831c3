"""Schema commands: migrate to head, drop everything, check the services, draw the ERD."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from scripts.operator_cli import EXIT_FAILED, EXIT_OK, OperatorError, UsageError
from scripts.service_access import Services, ping_redis
from storage.erd import schema_dot
from storage.migrations import current_revision, downgrade, head_revision, upgrade
from storage.models import Base


@dataclass(frozen=True)
class Migration:
    before: str | None
    after: str | None


async def migrate(engine: AsyncEngine) -> Migration:
    """Upgrade the database to the head revision."""
    async with engine.connect() as conn:
        before = await current_revision(conn)
        await upgrade(conn)
        await conn.commit()
        return Migration(before=before, after=await current_revision(conn))


async def require_schema(engine: AsyncEngine) -> str:
    """The current revision; `OperatorError` when the database was never migrated."""
    async with engine.connect() as conn:
        revision = await current_revision(conn)
    if revision is None:
        raise OperatorError(
            "the database has no migrated schema: run `python scripts/db_manager.py setup`"
        )
    return revision


def describe_migration(migration: Migration) -> str:
    if migration.before == migration.after:
        return f"database already at the head revision ({migration.after})"
    return f"database migrated from {migration.before or 'an empty schema'} to {migration.after}"


async def drop_everything(engine: AsyncEngine, *, force: bool) -> str:
    """Downgrade to base (every table, type and trigger of the schema) and drop alembic's table."""
    if not force:
        raise UsageError("drop deletes every table and all its data; pass --force to confirm")
    async with engine.connect() as conn:
        before = await current_revision(conn)
        if before is not None:
            await downgrade(conn, "base")
        await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await conn.commit()
    if before is None:
        return "nothing to drop: the database has no migrated schema"
    return f"dropped every table (was at revision {before})"


async def check_services(services: Services, console: Console) -> int:
    """PostgreSQL answers, Redis answers, the schema is at head; one line per check."""
    async with services.engine.connect() as conn:
        version = (await conn.exec_driver_sql("SHOW server_version")).scalar_one()
        current = await current_revision(conn)
    console.print(f"ok  PostgreSQL {version} at {services.database_location}")
    if services.redis_url is None:
        raise OperatorError("no Redis URL to check")
    redis_version = await ping_redis(services.redis_url)
    console.print(f"ok  Redis {redis_version} answers PING")
    head = head_revision()
    if current != head:
        raise OperatorError(
            f"database is at revision {current or 'none (empty schema)'}, head is {head}: "
            "run `python scripts/db_manager.py setup`",
            EXIT_FAILED,
        )
    console.print(f"ok  schema at the head revision ({head})")
    return EXIT_OK


def write_erd(path: Path) -> str:
    path.write_text(schema_dot(Base.metadata), encoding="utf-8")
    tables = len(Base.metadata.tables)
    return f"wrote {path} ({tables} tables); render it with: dot -Tsvg {path} -o schema.svg"
