"""The audit triggers record who changed a price, floor, status or title, and nothing secret."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import set_audit_actor, unit_of_work
from storage.models import MarketplaceCredential, Product, ProductStatus
from storage.schema_sql import AUDITED_COLUMNS

AUDIT_ROWS = text(
    "SELECT operation, old_values, new_values, actor FROM audit_log "
    "WHERE table_name = :table AND row_id = :id ORDER BY changed_at"
)


async def audit_rows(session: AsyncSession, table: str, row_id: Any) -> list[Any]:
    return list((await session.execute(AUDIT_ROWS, {"table": table, "id": row_id})).all())


async def update_product(session: AsyncSession, product: Product, **values: Any) -> None:
    await session.execute(update(Product).where(Product.id == product.id).values(**values))


async def test_insert_records_audited_columns_only(session: AsyncSession, make_product):
    product = await make_product(price=Decimal("350"), min_price=Decimal("300"))
    [(operation, old, new, actor)] = await audit_rows(session, "products", product.id)
    assert (operation, old, actor) == ("INSERT", None, "system")
    assert set(new) == set(AUDITED_COLUMNS["products"])
    assert (new["price"], new["min_price"], new["status"]) == (350, 300, "draft")


async def test_updates_record_old_new_and_actor(session: AsyncSession, make_product):
    product = await make_product(price=Decimal("350"), min_price=Decimal("300"),
                                 title="Bici Trek", status=ProductStatus.PUBLISHED)
    await set_audit_actor(session, "seller:42")
    await update_product(session, product, price=Decimal("330.50"))
    await update_product(session, product, min_price=Decimal("280"))
    await update_product(session, product, status=ProductStatus.RESERVED)
    await update_product(session, product, title="Bici Trek Marlin 5")
    await set_audit_actor(session, "agent:negotiation")
    await update_product(session, product, price=Decimal("320"), min_price=Decimal("290"))

    updates = [row for row in await audit_rows(session, "products", product.id)
               if row.operation == "UPDATE"]
    # Only the columns that changed, with their before and after values.
    assert [(row.old_values, row.new_values, row.actor) for row in updates] == [
        ({"price": 350}, {"price": 330.5}, "seller:42"),
        ({"min_price": 300}, {"min_price": 280}, "seller:42"),
        ({"status": "published"}, {"status": "reserved"}, "seller:42"),
        ({"title": "Bici Trek"}, {"title": "Bici Trek Marlin 5"}, "seller:42"),
        ({"price": 330.5, "min_price": 280}, {"price": 320, "min_price": 290},
         "agent:negotiation"),
    ]


async def test_money_is_recorded_exactly(session: AsyncSession, make_product):
    product = await make_product(price=Decimal("350.10"), min_price=None)
    await update_product(session, product, price=Decimal("349.99"))
    row = (await session.execute(text(
        "SELECT old_values->>'price', new_values->>'price' FROM audit_log "
        "WHERE row_id = :id AND operation = 'UPDATE'"), {"id": product.id})).one()
    assert tuple(row) == ("350.10", "349.99")


async def test_unaudited_or_unchanged_update_writes_nothing(session: AsyncSession, make_product):
    product = await make_product(price=Decimal("350"))
    before = len(await audit_rows(session, "products", product.id))
    await update_product(session, product, views_count=7, prompt_text="otra cosa",
                         attributes={"color": "rojo"})
    await update_product(session, product, price=Decimal("350.00"))  # same value
    assert len(await audit_rows(session, "products", product.id)) == before


async def test_unit_of_work_actor_is_recorded(session_factory, make_product):
    product = await make_product()
    async with unit_of_work(session_factory, actor="seller:7") as uow:
        await uow.execute(update(Product).where(Product.id == product.id).values(price=400))
    async with session_factory() as reader:
        [*_, last] = await audit_rows(reader, "products", product.id)
    assert (last.operation, last.new_values, last.actor) == ("UPDATE", {"price": 400}, "seller:7")


async def test_delete_records_old_values(session: AsyncSession, make_product):
    product = await make_product(price=Decimal("350"))
    await session.execute(text("DELETE FROM products WHERE id = :id"), {"id": product.id})
    [*_, last] = await audit_rows(session, "products", product.id)
    assert (last.operation, last.new_values, last.old_values["price"]) == ("DELETE", None, 350)


async def test_other_audited_tables(session: AsyncSession, make_seller, make_buyer):
    seller, buyer = await make_seller(), await make_buyer()
    await session.execute(text("UPDATE sellers SET floor_ratio = 0.8 WHERE id = :id"),
                          {"id": seller.id})
    await session.execute(text("UPDATE buyers SET is_blocked = true WHERE id = :id"),
                          {"id": buyer.id})
    [*_, floor] = await audit_rows(session, "sellers", seller.id)
    [*_, block] = await audit_rows(session, "buyers", buyer.id)
    assert (floor.old_values, floor.new_values) == ({"floor_ratio": 0.85}, {"floor_ratio": 0.8})
    assert (block.old_values, block.new_values) == ({"is_blocked": False}, {"is_blocked": True})


async def test_credential_secrets_never_reach_the_audit_log(
    session: AsyncSession, make_credential
):
    secrets = {
        "client_secret_encrypted": "enc:SECRET-client",
        "access_token_encrypted": "enc:SECRET-access",
        "refresh_token_encrypted": "enc:SECRET-refresh",
    }
    credential = await make_credential(**secrets)
    rotated = {key: value.replace("SECRET", "SECRET-rotated") for key, value in secrets.items()}
    await session.execute(update(MarketplaceCredential)
                          .where(MarketplaceCredential.id == credential.id)
                          .values(is_valid=True, **rotated))
    await session.execute(update(MarketplaceCredential)
                          .where(MarketplaceCredential.id == credential.id)
                          .values(access_token_encrypted="enc:SECRET-access-3"))
    await session.execute(text("DELETE FROM marketplace_credentials WHERE id = :id"),
                          {"id": credential.id})

    rows = await audit_rows(session, "marketplace_credentials", credential.id)
    # INSERT, the is_valid change, DELETE; the token-only rotation wrote nothing.
    assert [row.operation for row in rows] == ["INSERT", "UPDATE", "DELETE"]
    assert (rows[1].old_values, rows[1].new_values) == ({"is_valid": False}, {"is_valid": True})
    everything = str([tuple(row) for row in rows])
    assert "SECRET" not in everything and "token" not in everything


def test_no_secret_column_is_audited():
    audited = {column for columns in AUDITED_COLUMNS.values() for column in columns}
    assert not {column for column in audited if "token" in column or "secret" in column}
