"""Figures an operator looks at first: row counts per table and the state of the business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import (
    Base,
    Conversation,
    ConversationStatus,
    Listing,
    Message,
    Offer,
    OfferStatus,
    Product,
    ProductStatus,
)


@dataclass(frozen=True)
class DatabaseStats:
    row_counts: dict[str, int]
    products_by_status: dict[str, int]
    offers_by_status: dict[str, int]
    conversations_by_status: dict[str, int]
    messages_last_24h: int
    average_listing_confidence: Decimal | None  # over active listings; None when there are none

    @property
    def active_conversations(self) -> int:
        return self.conversations_by_status.get(ConversationStatus.ACTIVE.value, 0)


async def count_rows(connection: AsyncConnection) -> dict[str, int]:
    """Rows of every table of the schema, in dependency order, in one round trip."""
    tables = Base.metadata.sorted_tables
    query = union_all(*(
        select(literal(table.name).label("name"), func.count().label("rows")).select_from(table)
        for table in tables
    ))
    counted = {name: int(rows) for name, rows in (await connection.execute(query)).all()}
    return {table.name: counted[table.name] for table in tables}


async def _by_status(
    connection: AsyncConnection, column: InstrumentedAttribute[Any], labels: list[str]
) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    found = {str(getattr(status, "value", status)): int(n)
             for status, n in (await connection.execute(query)).all()}
    return {label: found.get(label, 0) for label in labels}


async def collect_stats(
    connection: AsyncConnection, *, now: datetime | None = None
) -> DatabaseStats:
    now = now or datetime.now(UTC)
    recent = select(func.count()).select_from(Message).where(
        Message.created_at >= now - timedelta(hours=24)
    )
    confidence = select(func.avg(Listing.confidence)).where(Listing.is_active)
    average = (await connection.execute(confidence)).scalar_one()
    return DatabaseStats(
        row_counts=await count_rows(connection),
        products_by_status=await _by_status(
            connection, Product.status, [s.value for s in ProductStatus]
        ),
        offers_by_status=await _by_status(
            connection, Offer.status, [s.value for s in OfferStatus]
        ),
        conversations_by_status=await _by_status(
            connection, Conversation.status, [s.value for s in ConversationStatus]
        ),
        messages_last_24h=int((await connection.execute(recent)).scalar_one()),
        average_listing_confidence=(
            None if average is None else Decimal(average).quantize(Decimal("0.01"))
        ),
    )
