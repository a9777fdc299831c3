"""`scripts/db_manager.py`, each command run as a subprocess against a database of its own."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage.database import create_engine
from storage.export import ExportFormatError, read_export
from storage.migrations import head_revision
from storage.models import Base
from storage.sample_data import CHATS, PRODUCTS, SELLERS
from storage.stats import count_rows

RunScript = Callable[..., Awaitable[Any]]  # conftest.py fixtures
SampleDatabase = Any  # conftest.SampleDatabase: url, media, engine, init_stdout, scalar()
DbScalar = Callable[..., Awaitable[object]]


def figure(output: str, label: str) -> str:
    """The value on the row of a rich table that starts with `label`."""
    match = re.search(rf"^\W*{re.escape(label)}\W+([\w.-]+)\W*$", output, re.MULTILINE)
    assert match, f"no row {label!r} in:\n{output}"
    return match.group(1)


async def test_stats_prints_the_sample_figures(
    sample_database: SampleDatabase, run_script: RunScript
):
    stats = await run_script("db_manager.py", "stats", database_url=sample_database.url)
    assert stats.returncode == 0, stats
    out = stats.stdout
    assert figure(out, "sellers") == str(len(SELLERS))
    assert figure(out, "products") == str(len(PRODUCTS))
    assert figure(out, "products published") == str(len(PRODUCTS) - 1)
    assert figure(out, "products reserved") == "1"
    for status in ("pending", "countered", "accepted", "rejected"):
        assert figure(out, f"offers {status}") == "1"
    assert figure(out, "active conversations") == str(len(CHATS))
    recent = sum(1 for chat in CHATS for turn in chat.turns if turn.minutes_ago < 24 * 60)
    assert figure(out, "messages last 24 h") == str(recent)
    average = sum(p.confidence for p in PRODUCTS) / len(PRODUCTS)
    assert figure(out, "average listing confidence") == str(average.quantize(Decimal("0.01")))


async def test_test_command_checks_postgres_redis_and_head(
    sample_database: SampleDatabase, run_script: RunScript
):
    ok, no_redis = await asyncio.gather(
        run_script("db_manager.py", "test", database_url=sample_database.url),
        run_script("db_manager.py", "test", database_url=sample_database.url,
                   redis="redis://127.0.0.1:1/0"),
    )
    assert ok.returncode == 0, ok
    assert "PostgreSQL" in ok.stdout and "Redis" in ok.stdout and head_revision() in ok.stdout
    assert no_redis.returncode == 2, no_redis
    assert no_redis.stderr.strip() == (
        "error: cannot reach Redis at 127.0.0.1:1 (connection refused)"
    )


async def test_export_streams_every_row_and_reads_back(
    sample_database: SampleDatabase, run_script: RunScript, tmp_path: Path
):
    target = tmp_path / "backup.json"
    export = await run_script(
        "db_manager.py", "export", "-o", str(target), "--batch-size", "5",
        database_url=sample_database.url,
    )
    assert export.returncode == 0, export
    loaded = read_export(target)
    async with sample_database.engine.connect() as conn:
        assert loaded.row_counts == await count_rows(conn)
    assert set(loaded.tables) == set(Base.metadata.tables)
    assert loaded.revision == head_revision()
    iphone = next(p for p in loaded.tables["products"] if p["title"].startswith("iPhone"))
    assert isinstance(iphone["id"], uuid.UUID) and iphone["min_price"] == Decimal("560.00")
    assert iphone["listed_at"].tzinfo is not None

    raw = json.loads(target.read_text(encoding="utf-8"))
    raw["tables"]["products"].pop()
    target.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ExportFormatError, match="row counts"):
        read_export(target)


async def test_cleanup_deletes_stale_sessions_and_archives_idle_conversations(
    fresh_database: str, run_script: RunScript
):
    engine = create_engine(fresh_database)
    async with engine.begin() as conn:
        run = conn.execute
        seller = (await run(text(
            "INSERT INTO sellers (telegram_id, name) VALUES (1, 'S') RETURNING id"))).scalar()
        buyer = (await run(text(
            "INSERT INTO buyers (telegram_id, name) VALUES (2, 'B') RETURNING id"))).scalar()
        for days in (10, 11, 12, 1):  # three stale sessions, one recent
            await run(text(
                "INSERT INTO bot_sessions (actor_kind, buyer_id, channel, started_at, "
                "last_activity_at, expires_at) VALUES ('buyer', :b, 'telegram', "
                "now() - make_interval(days => :d), now() - make_interval(days => :d), now())"
            ), {"b": buyer, "d": days})
        for chat, (status, days) in enumerate(
            [("active", 40), ("completed", 35), ("blocked", 45), ("active", 2)]
        ):
            await run(text(
                "INSERT INTO conversations (channel, external_chat_id, kind, seller_id, status, "
                "last_message_at) VALUES ('telegram', :chat, 'seller_assistant', :s, "
                "CAST(:status AS conversation_status), now() - make_interval(days => :d))"
            ), {"chat": str(chat), "s": seller, "status": status, "d": days})
    cleanup = await run_script(
        "db_manager.py", "cleanup", "--days", "7", "--batch-size", "2",
        database_url=fresh_database,
    )
    assert cleanup.returncode == 0, cleanup
    assert "deleted 3 bot sessions" in cleanup.stdout
    assert "archived 2 conversations" in cleanup.stdout
    async with engine.connect() as conn:
        sessions = (await conn.execute(text(
            "SELECT extract(day FROM now() - last_activity_at)::int FROM bot_sessions"))).all()
        statuses = (await conn.execute(text(
            "SELECT external_chat_id, status FROM conversations ORDER BY external_chat_id"
        ))).all()
    await engine.dispose()
    assert sessions == [(1,)]
    assert statuses == [("0", "archived"), ("1", "archived"), ("2", "blocked"), ("3", "active")]


async def test_drop_needs_force_then_drops_every_table(
    fresh_database: str, run_script: RunScript, db_scalar: DbScalar
):
    engine = create_engine(fresh_database)
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    refused = await run_script("db_manager.py", "drop", database_url=fresh_database)
    assert refused.returncode == 2, refused
    assert refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert await db_scalar(engine, tables) == len(Base.metadata.tables) + 1  # + alembic_version

    dropped = await run_script("db_manager.py", "drop", "--force", database_url=fresh_database)
    assert dropped.returncode == 0, dropped
    assert await db_scalar(engine, tables) == 0
    enum = "SELECT count(*) FROM pg_type WHERE typname = 'product_status'"
    assert await db_scalar(engine, enum) == 0

    behind = await run_script("db_manager.py", "test", database_url=fresh_database)
    assert behind.returncode == 1, behind
    assert behind.stderr.count("\n") == 1 and "setup" in behind.stderr
    setup = await run_script("db_manager.py", "setup", database_url=fresh_database)
    assert setup.returncode == 0, setup
    assert await db_scalar(engine, "SELECT version_num FROM alembic_version") == head_revision()
    await engine.dispose()


async def test_erd_writes_every_table_and_foreign_key(run_script: RunScript, tmp_path: Path):
    target = tmp_path / "schema.dot"
    erd = await run_script("db_manager.py", "erd", "-o", str(target), database_url=None)
    assert erd.returncode == 0, erd
    dot = target.read_text(encoding="utf-8")
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for table in Base.metadata.tables.values():
        assert f'"{table.name}" [label=<' in dot
        for fk in table.foreign_keys:
            assert (f'"{table.name}":"{fk.parent.name}" -> '
                    f'"{fk.column.table.name}":"{fk.column.name}"') in dot
    assert "product_status NOT NULL" in dot and "NUMERIC(12, 2)" in dot


