"""The engine's pool without pre-ping: a connection the server closed is replaced at checkout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import event, text

from storage.database import create_engine


async def test_a_connection_closed_by_the_server_is_replaced_without_a_ping(
        create_database: Callable[[], Awaitable[str]]) -> None:
    engine = create_engine(await create_database())
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    try:
        async with engine.connect() as other:
            async with engine.connect() as victim:
                pid = await victim.scalar(text("SELECT pg_backend_pid()"))
            # back in the pool, the server ends its session (a restart, an idle timeout)
            assert await other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.05)  # the socket's end reaches the event loop
        statements.clear()

        for _ in range(3):  # one of them gets the dead connection back from the pool
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
    assert statements == ["SELECT 1"] * 3  # no ping round trip before any of them
