"""Migrations build the models' schema exactly, undo it completely, and carry current triggers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import create_engine
from storage.migrations import current_revision, downgrade, head_revision, upgrade
from storage.models import Base
from storage.schema_sql import AUDITED_COLUMNS, create_statements

FUNCTION_DEFINITION = re.compile(
    r"CREATE OR REPLACE FUNCTION (\w+)\(\) RETURNS trigger AS \$\$(.*)\$\$ LANGUAGE plpgsql;",
    re.DOTALL,
)

SCHEMA_OBJECTS = text("""
SELECT 'table ' || tablename FROM pg_tables
 WHERE schemaname = 'public' AND tablename <> 'alembic_version'
UNION ALL
SELECT 'type ' || typname FROM pg_type
 WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'
UNION ALL
SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = 'public'
UNION ALL
SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
""")


@pytest.fixture
async def empty_connection(empty_database: str) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(empty_database)
    async with engine.connect() as conn:
        yield conn
    await engine.dispose()


async def schema_objects(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(SCHEMA_OBJECTS)).scalars())


def schema_diff(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_upgrade_downgrade_upgrade_on_empty_database(empty_connection: AsyncConnection):
    conn = empty_connection
    assert await schema_objects(conn) == set()

    await upgrade(conn)
    await conn.commit()
    assert await current_revision(conn) == head_revision()
    built = await schema_objects(conn)
    tables = {f"table {name}" for name in Base.metadata.tables}
    assert tables <= built
    assert {"function audit_row_change", "function check_product_status_transition"} <= built

    await downgrade(conn, "base")
    await conn.commit()
    assert await current_revision(conn) is None
    assert await schema_objects(conn) == set()  # no table, enum, function, sequence or trigger

    await upgrade(conn)
    await conn.commit()
    assert await current_revision(conn) == head_revision()
    assert await schema_objects(conn) == built
    assert await conn.run_sync(schema_diff) == []


async def test_models_and_migrations_do_not_drift(db_connection: AsyncConnection):
    assert await db_connection.run_sync(schema_diff) == []


# Alembic's comparison does not look at CHECK expressions, index predicates, enum labels or
# triggers, so the migrated catalog is also compared with one built by `create_all` + schema_sql
# (the `public` schema: the job queue's own lives in `procrastinate`, migration 0007).
CATALOG = {
    "columns": """
        SELECT table_name || '.' || column_name,
               concat_ws(' ', data_type, udt_name, character_maximum_length, numeric_precision,
                         numeric_scale, is_nullable, column_default, is_identity,
                         identity_generation)
          FROM information_schema.columns WHERE table_schema = 'public'
           AND table_name <> 'alembic_version'""",
    "constraints": """
        SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
           AND conrelid::regclass::text <> 'alembic_version'""",
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> 'alembic_version'""",
    "enums": """
        SELECT typname, string_agg(enumlabel, ',' ORDER BY enumsortorder)
          FROM pg_type JOIN pg_enum ON enumtypid = pg_type.oid
         WHERE typnamespace = 'public'::regnamespace GROUP BY typname""",
    "triggers": """
        SELECT tgname, pg_get_triggerdef(pg_trigger.oid) FROM pg_trigger
          JOIN pg_class ON pg_class.oid = tgrelid
         WHERE NOT tgisinternal AND relnamespace = 'public'::regnamespace""",
}


async def catalog(conn: AsyncConnection) -> dict[str, dict[str, str]]:
    return {
        part: dict((await conn.execute(text(query))).all())
        for part, query in CATALOG.items()
    }


async def test_migrated_catalog_equals_models(
    db_connection: AsyncConnection, empty_connection: AsyncConnection
):
    await empty_connection.run_sync(Base.metadata.create_all)
    for statement in create_statements():
        await empty_connection.execute(text(statement))
    from_models, migrated = await catalog(empty_connection), await catalog(db_connection)
    differences = {
        f"{part} {name}": (migrated[part].get(name), from_models[part].get(name))
        for part in CATALOG
        for name in migrated[part].keys() | from_models[part].keys()
        if migrated[part].get(name) != from_models[part].get(name)
    }
    assert differences == {}  # name: (migrated, from the models)
    assert len(migrated["constraints"]) > 100


async def test_trigger_functions_match_schema_sql(db_connection: AsyncConnection):
    expected = {
        match[1]: match[2]
        for statement in create_statements()
        if (match := FUNCTION_DEFINITION.fullmatch(statement))
    }
    assert set(expected) == {"audit_row_change", "check_product_status_transition"}
    rows = await db_connection.execute(text(
        "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
    ))
    assert dict(rows.all()) == expected


async def test_triggers_match_schema_sql(db_connection: AsyncConnection):
    rows = (await db_connection.execute(text(
        "SELECT tgname, tgrelid::regclass::text, tgfoid::regproc::text, tgargs "
        "FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
        "WHERE NOT tgisinternal AND relnamespace = 'public'::regnamespace"
    ))).all()
    found = {
        name: (table, function, tuple(arg.decode() for arg in bytes(args).split(b"\0") if arg))
        for name, table, function, args in rows
    }
    expected = {
        f"{table}_audit": (table, "audit_row_change", columns)
        for table, columns in AUDITED_COLUMNS.items()
    }
    expected["products_status_transition"] = (
        "products", "check_product_status_transition", ()
    )
    assert found == expected
