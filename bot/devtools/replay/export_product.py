"""The exported product: as it was when the chat began, and how it ended.

The audit log records every change of a product's status, prices, title and description (and a
buyer's blocked flag); rolling back the changes made since the chat began gives the fixture.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, OfferStatus

if TYPE_CHECKING:
    from bot.devtools.replay.export_sources import Sources

AUDITED = ("status", "price", "min_price", "title", "description", "sold_price")


async def at_start(session: AsyncSession, table: str, row_id: uuid.UUID, start: datetime,
                   state: dict[str, Any]) -> dict[str, Any]:
    """`state` (current values) with the audit log's changes since `start` rolled back."""
    changes = (await session.scalars(select(AuditEntry).where(
        AuditEntry.table_name == table, AuditEntry.row_id == row_id,
        AuditEntry.operation == "UPDATE", AuditEntry.changed_at >= start)
        .order_by(AuditEntry.changed_at.desc()))).all()
    state = dict(state)
    for change in changes:  # newest first: each undoes one change
        for key, value in (change.old_values or {}).items():
            if key in state:
                state[key] = value
    return state


async def product_fixture(session: AsyncSession, sources: Sources, start: datetime
                           ) -> dict[str, Any]:
    product = sources.product
    assert product is not None
    current = {key: getattr(product, key) for key in AUDITED}
    current["status"] = product.status.value
    state = await at_start(session, "products", product.id, start, current)
    fixture: dict[str, Any] = {"seller": sources.names["seller"], "title": state["title"],
                               "description": state["description"] or state["title"]}
    if product.category_name:
        fixture["category"] = product.category_name
    fixture["condition"] = product.condition.value
    for key in ("price", "min_price"):
        if state[key] is not None:
            fixture[key] = _number(state[key])
    fixture.update(currency=product.currency, status=state["status"])
    if product.attributes:
        fixture["attributes"] = dict(product.attributes)
    # A fixture has no sold price: one set before the chat is not checked at the end either.
    sources.sold_before = state["sold_price"] is not None
    return fixture


async def only_this_chat_changed(session: AsyncSession, sources: Sources,
                                  start: datetime) -> bool:
    """Whether every change to the product since `start` came from this chat's turns."""
    assert sources.product is not None
    actors = await session.scalars(select(AuditEntry.actor).where(
        AuditEntry.table_name == "products", AuditEntry.row_id == sources.product.id,
        AuditEntry.changed_at >= start))
    own = {f"buyer:{sources.buyer.id}", f"seller:{sources.seller.id}"}
    expired_here = any(offer.status is OfferStatus.EXPIRED for offer in sources.offers)
    foreign = {actor for actor in actors
               if actor not in own and not (expired_here and actor.startswith("job:"))}
    if foreign:
        sources.warnings.append(f"the product was also changed by {', '.join(sorted(foreign))}"
                                " during the chat; the replay may differ there")
    return not foreign


def final_state(sources: Sources) -> dict[str, Any]:
    product = sources.product
    assert product is not None
    final: dict[str, Any] = {"status": product.status.value}
    for key in ("price", "min_price", "sold_price"):
        if key == "sold_price" and sources.sold_before:
            continue
        value = getattr(product, key)
        final[key] = _number(value) if value is not None else "none"
    return final


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number == int(number) else number
