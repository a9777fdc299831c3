"""Replay databases: copies of a migrated template, and the cleanup of copies whose runner died."""

from __future__ import annotations

import asyncio
import os
import socket

import asyncpg

from bot.devtools.replay.databases import COPY_PREFIX, TEMPLATE_NAME, ReplayDatabases, fingerprint
from storage.embedded import EmbeddedServices


async def names(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1",
                            f"{COPY_PREFIX}%")
    return {row["datname"] for row in rows}


async def test_copies_are_migrated_and_orphans_of_dead_runners_dropped(
        embedded: EmbeddedServices) -> None:
    assert embedded.postgres is not None
    server = embedded.postgres.url("postgres")
    databases = ReplayDatabases(server)
    name, url = await databases.create()
    conn = await asyncpg.connect(server.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        comment = await conn.fetchval("SELECT shobj_description(oid, 'pg_database') FROM "
                                      "pg_database WHERE datname = $1", TEMPLATE_NAME)
        assert comment == fingerprint()
        copy = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            assert await copy.fetchval("SELECT count(*) FROM products") == 0
        finally:
            await copy.close()
        process = await asyncio.create_subprocess_exec("true")
        await process.wait()  # its pid now belongs to no process
        host = socket.gethostname()
        for database, pid in (("orphan_dead", process.pid), ("orphan_alive", os.getpid())):
            await conn.execute(f'CREATE DATABASE "{COPY_PREFIX}{database}"')
            await conn.execute(f"COMMENT ON DATABASE \"{COPY_PREFIX}{database}\" IS "
                               f"'replay copy of {host} pid {pid}'")
        await ReplayDatabases(server).prepare_template()
        left = await names(conn)
        assert f"{COPY_PREFIX}orphan_dead" not in left
        assert {f"{COPY_PREFIX}orphan_alive", name} <= left
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{COPY_PREFIX}orphan_alive" WITH (FORCE)')
        await conn.close()
        databases.release(name)
        await databases.close()
        conn = await asyncpg.connect(server.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            assert name not in await names(conn)
        finally:
            await conn.close()
