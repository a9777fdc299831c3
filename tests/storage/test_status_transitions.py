"""The product status trigger refuses exactly the transitions ALLOWED_TRANSITIONS forbids."""

from __future__ import annotations

from itertools import product as pairs_of

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.product_status import (
    ALLOWED_TRANSITIONS,
    ForbiddenTransition,
    ProductStatus,
    check_transition,
)

ALL_PAIRS = list(pairs_of(ProductStatus, repeat=2))
ALLOWED = [(old, new) for old, new in ALL_PAIRS if new in ALLOWED_TRANSITIONS[old]]
FORBIDDEN = [(old, new) for old, new in ALL_PAIRS if old != new and (old, new) not in ALLOWED]

SET_STATUS = text("UPDATE products SET status = :status WHERE id = :id RETURNING status::text")


def pair_id(pair: tuple[ProductStatus, ProductStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_pairs_cover_the_whole_machine():
    # 9 statuses: 81 ordered pairs = 9 same-status + allowed + forbidden.
    assert len(ALL_PAIRS) == 81
    assert len(ALLOWED) + len(FORBIDDEN) + len(ProductStatus) == 81
    assert len(ALLOWED) == sum(len(targets) for targets in ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize(("old", "new"), FORBIDDEN, ids=map(pair_id, FORBIDDEN))
async def test_forbidden_transition_refused(session: AsyncSession, make_product, refused, old, new):
    product = await make_product(status=old)
    async with refused(f"forbidden product status transition: {old} -> {new}"):
        await session.execute(SET_STATUS, {"status": new, "id": product.id})
    stored = await session.scalar(text("SELECT status::text FROM products WHERE id = :id"),
                                  {"id": product.id})
    assert stored == old


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=map(pair_id, ALLOWED))
async def test_allowed_transition_passes(session: AsyncSession, make_product, old, new):
    product = await make_product(status=old)
    assert await session.scalar(SET_STATUS, {"status": new, "id": product.id}) == new


@pytest.mark.parametrize("status", list(ProductStatus))
async def test_same_status_update_passes(session: AsyncSession, make_product, status):
    product = await make_product(status=status)
    # Re-saving the status (and a status-less update of a terminal product) is always fine.
    assert await session.scalar(SET_STATUS, {"status": status, "id": product.id}) == status
    await session.execute(text("UPDATE products SET views_count = views_count + 1 WHERE id = :id"),
                          {"id": product.id})


async def test_check_transition_agrees_with_database(session: AsyncSession, make_product):
    products = {status: await make_product(status=status) for status in ProductStatus}
    disagreements = []
    for old, new in ALL_PAIRS:
        try:
            check_transition(old, new)
            allowed_in_python = True
        except ForbiddenTransition:
            allowed_in_python = False
        try:
            async with session.begin_nested():
                await session.execute(SET_STATUS, {"status": new, "id": products[old].id})
                raise _Undo  # keep the product in `old` for the next pair
        except _Undo:
            allowed_in_database = True
        except IntegrityError:
            allowed_in_database = False
        if allowed_in_python != allowed_in_database:
            disagreements.append((str(old), str(new), allowed_in_python))
    assert disagreements == []


class _Undo(Exception):
    """Rolls back a savepoint whose statement succeeded."""
