"""Which currency a seller's prices are in: the one they wrote, else the one they price in.

A seller who wrote "90 quid" or "£85" prices in pounds: the product takes that currency, and
a later price with no currency ("make it 80", "Selling a lamp, 20") stays in it, so every reply
shows pounds. Nothing here formats money; replies format with the product's currency.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.intents_amounts import find_amounts, fold
from storage.models import Product

SUPPORTED = frozenset({"EUR", "GBP", "USD", "ARS", "MXN", "BRL", "CLP", "COP", "UYU", "PEN"})


def written_currency(text: str | None) -> str | None:
    """The currency written next to an amount of the text ("400 quid" -> GBP), or None."""
    if not text:
        return None
    return find_amounts(text, fold(text))[1]


def checked_currency(code: object) -> str | None:
    """A currency code a tool was given, upper-cased, or None when it is not one we price in."""
    value = str(code or "").strip().upper()
    return value if value in SUPPORTED else None


async def usual_currency(session: AsyncSession, seller_id: uuid.UUID) -> str | None:
    """The currency of the seller's product priced most recently, or None for a new seller."""
    return await session.scalar(
        select(Product.currency).where(Product.seller_id == seller_id,
                                       Product.price.is_not(None))
        .order_by(Product.updated_at.desc(), Product.created_at.desc()).limit(1))
