"""The embedded servers are up and the test database is migrated."""

from sqlalchemy import text

from storage.migrations import current_revision, head_revision


async def test_database_is_migrated_to_head(db_connection):
    assert await current_revision(db_connection) == head_revision()
    tables = (await db_connection.execute(text(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    ))).scalar()
    assert tables >= 12


async def test_redis_answers(redis_client, redis_prefix):
    await redis_client.set(f"{redis_prefix}k", "v", ex=10)
    assert await redis_client.get(f"{redis_prefix}k") == b"v"
