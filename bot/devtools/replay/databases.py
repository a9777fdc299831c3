"""Databases for replays: one migrated template per server, and a fresh copy of it per file.

The template is (re)built when it is missing or stale: its comment holds a fingerprint of the
migration head and the migration files, so editing a migration rebuilds it on the next run.
Copies are `CREATE DATABASE x TEMPLATE tpl` (no migrations per file); the next file's copy is
made while a file runs, and a finished file's database is dropped in the background. An
advisory lock keeps two runner processes from building the template at once or copying it
while it is being built. Each copy's comment names its process; copies of processes of this
machine that are gone (killed mid-run) are dropped when the next runner starts.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import uuid

import asyncpg
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT
from storage.database import create_engine
from storage.migrations import head_revision, upgrade

TEMPLATE_NAME = "marketbot_replay_template"
COPY_PREFIX = "marketbot_replay_"
_LOCK_KEY = 0x6D62_7270  # "mbrp": one advisory lock id for every runner process


def fingerprint() -> str:
    """Migration head and migration sources, hashed: a template with another one is stale."""
    digest = hashlib.sha256(str(head_revision()).encode())
    for path in sorted((PROJECT_ROOT / "alembic" / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"replay-template {digest.hexdigest()[:24]}"


def _owner() -> str:
    return f"replay copy of {socket.gethostname()} pid {os.getpid()}"


async def _drop_orphans(conn: asyncpg.Connection) -> None:
    """Copies left by runner processes of this machine that died before dropping them."""
    rows = await conn.fetch(
        "SELECT datname, shobj_description(oid, 'pg_database') AS owner FROM pg_database "
        "WHERE datname LIKE $1 AND datname <> $2", f"{COPY_PREFIX}%", TEMPLATE_NAME)
    for row in rows:
        match = re.fullmatch(r"replay copy of (\S+) pid (\d+)", row["owner"] or "")
        if match and match.group(1) == socket.gethostname() and not _alive(int(match.group(2))):
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def database_url(base_url: str, database: str) -> str:
    """`base_url` (postgresql+asyncpg://) pointing at another database of the same server."""
    return make_url(base_url).set(database=database).render_as_string(hide_password=False)


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class ReplayDatabases:
    """Creates the template once, then copies and drops databases on the same server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url  # any database of the server: admin statements run there
        self._ready = False
        self._spare: asyncio.Task[tuple[str, str]] | None = None
        self._dropping: list[asyncio.Task[None]] = []

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(_asyncpg_dsn(self.server_url))

    async def prepare_template(self) -> None:
        if self._ready:
            return
        wanted = fingerprint()
        conn = await self._admin()
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
            try:
                current = await conn.fetchval(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = $1", TEMPLATE_NAME)
                exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                             TEMPLATE_NAME)
                if not exists or current != wanted:
                    await self._build(conn, wanted)
                await _drop_orphans(conn)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
        finally:
            await conn.close()
        self._ready = True

    async def _build(self, conn: asyncpg.Connection, wanted: str) -> None:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{TEMPLATE_NAME}"')
        engine = create_engine(database_url(self.server_url, TEMPLATE_NAME))
        try:
            async with engine.connect() as migration:
                await upgrade(migration)
                await migration.commit()
        finally:
            await engine.dispose()
        await conn.execute(f"COMMENT ON DATABASE \"{TEMPLATE_NAME}\" IS '{wanted}'")

    async def create(self) -> tuple[str, str]:
        """A fresh migrated database: (name, URL). The next file's copy is made meanwhile."""
        await self.prepare_template()
        if self._spare is None:
            self._spare = asyncio.create_task(self._copy())
        created = await self._spare
        self._spare = asyncio.create_task(self._copy())
        return created

    def release(self, name: str) -> None:
        """Drop the database in the background (awaited by `close`)."""
        self._dropping.append(asyncio.create_task(self.drop(name)))

    async def close(self) -> None:
        if self._spare is not None:
            spare, self._spare = self._spare, None
            try:
                name, _ = await spare
            except Exception:  # the spare failed to be made: nothing to drop
                name = None
            if name is not None:
                self.release(name)
        dropping, self._dropping = self._dropping, []
        await asyncio.gather(*dropping, return_exceptions=True)

    async def _copy(self) -> tuple[str, str]:
        name = f"{COPY_PREFIX}{uuid.uuid4().hex[:12]}"
        conn = await self._admin()
        try:
            await conn.execute("SELECT pg_advisory_lock_shared($1)", _LOCK_KEY)
            try:
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"')
                await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_owner()}'")
            finally:
                await conn.execute("SELECT pg_advisory_unlock_shared($1)", _LOCK_KEY)
        finally:
            await conn.close()
        return name, database_url(self.server_url, name)

    async def drop(self, name: str) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
