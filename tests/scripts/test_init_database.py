"""`scripts/init_database.py`: migrate, and load the sample data set once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from storage.sample_data import CHATS, PRODUCTS, SELLERS
from storage.stats import count_rows

RunScript = Callable[..., Awaitable[Any]]  # conftest.py fixtures
SampleDatabase = Any  # conftest.SampleDatabase: url, media, engine, init_stdout, scalar()


async def test_init_with_sample_data_creates_a_usable_set(sample_database: SampleDatabase):
    db = sample_database.engine
    assert "sample data inserted" in sample_database.init_stdout
    assert await sample_database.scalar("SELECT count(*) FROM sellers") == len(SELLERS)
    assert await sample_database.scalar("SELECT count(DISTINCT language) FROM sellers") == 2
    assert await sample_database.scalar("SELECT count(DISTINCT category_id) FROM products") >= 5
    async with db.connect() as conn:
        images = (await conn.execute(text(
            "SELECT p.id, i.storage_key, i.size_bytes, i.width, i.height, i.format "
            "FROM products p JOIN product_images i ON i.product_id = p.id AND i.is_primary"
        ))).all()
        per_product = (await conn.execute(text(
            "SELECT count(l.id), count(pub.id) FROM products p "
            "LEFT JOIN listings l ON l.product_id = p.id AND l.is_active "
            "LEFT JOIN publications pub ON pub.product_id = p.id AND pub.marketplace = 'catalog' "
            "GROUP BY p.id"
        ))).all()
    assert len(images) == len(PRODUCTS)
    for product_id, key, size, width, height, image_format in images:
        assert key == f"{product_id}/0.jpg"
        photo = sample_database.media / key
        assert photo.read_bytes()[:3] == b"\xff\xd8\xff"  # a real JPEG
        assert photo.stat().st_size == size and width > 0 and height > 0
        assert image_format == "jpeg"
    assert per_product == [(1, 1)] * len(PRODUCTS)
    with_floor = "SELECT count(*) FROM products WHERE min_price IS NOT NULL"
    assert await sample_database.scalar(with_floor) >= 4


async def test_sample_negotiations_are_consistent(sample_database: SampleDatabase):
    db = sample_database.engine
    # The bot's pending counter answers the buyer's countered offer, above it and the floor.
    async with db.connect() as conn:
        counter = (await conn.execute(text(
            "SELECT bot.amount, buyer.amount, buyer.status, p.min_price FROM offers bot "
            "JOIN offers buyer ON buyer.id = bot.responds_to_id "
            "JOIN products p ON p.id = bot.product_id "
            "WHERE bot.made_by = 'bot' AND bot.status = 'pending'"
        ))).one()
        accepted = (await conn.execute(text(
            "SELECT o.amount, p.min_price, p.status, p.reserved_until > now() FROM offers o "
            "JOIN products p ON p.id = o.product_id WHERE o.status = 'accepted'"
        ))).one()
    bot_amount, buyer_amount, buyer_status, floor = counter
    assert buyer_status == "countered" and bot_amount > buyer_amount and bot_amount >= floor
    amount, floor, status, reserved_ahead = accepted
    assert amount >= floor and status == "reserved" and reserved_ahead
    assistant = "SELECT count(*) FROM conversations WHERE kind = 'seller_assistant'"
    assert await sample_database.scalar(assistant) == 1
    assert await sample_database.scalar("SELECT count(*) FROM bot_sessions") == len(CHATS)
    # The reservation went through the status trigger and was audited under the loader's name.
    reserved = (
        "SELECT count(*) FROM audit_log WHERE actor = 'sample-data' "
        "AND table_name = 'products' AND operation = 'UPDATE'"
    )
    assert await sample_database.scalar(reserved) == 1


async def test_init_twice_does_not_duplicate(
    sample_database: SampleDatabase, run_script: RunScript
):
    async with sample_database.engine.connect() as conn:
        before = await count_rows(conn)
    again = await run_script(
        "init_database.py", "--sample-data", "--media-dir", str(sample_database.media),
        database_url=sample_database.url,
    )
    assert again.returncode == 0, again
    assert "already present" in again.stdout and "head revision" in again.stdout
    async with sample_database.engine.connect() as conn:
        assert await count_rows(conn) == before


