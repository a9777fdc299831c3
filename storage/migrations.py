"""Run alembic from code: on a URL, or on a connection the caller holds (tests, scripts)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from alembic import command

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(connection: AsyncConnection, revision: str = "head") -> None:
    await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(connection: AsyncConnection, revision: str = "base") -> None:
    await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(connection: AsyncConnection) -> str | None:
    return await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )
