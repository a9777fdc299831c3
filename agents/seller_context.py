"""What the seller's assistant is told each turn about the seller's products: the one in focus
(title, status, price, what it still lacks) and the names of the others.

The model reads it in the Context block: a product named in the seller's message can then be
told from an unknown one, and a reply can point to the next step ("¿lo publico?"). It never
carries a floor price.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agents.turn_context import money
from storage.models import Product, Seller
from storage.repositories import products as products_repo

NAMES_SHOWN = 12


async def seller_context(session: AsyncSession, seller: Seller | None) -> dict[str, Any]:
    """The Context lines about the seller's products (none when the seller has none)."""
    if seller is None:
        return {}
    products = await products_repo.recent_for_seller(session, seller.id, NAMES_SHOWN)
    if not products:
        return {"seller_products": "0"}
    focus = products[0]
    return {
        "focus_title": focus.title, "focus_status": focus.status.value,
        "focus_price": money(focus.price), "currency": focus.currency,
        "focus_missing": "price" if focus.price is None else None,
        "seller_products": " | ".join(_name(p) for p in products),
    }


def _name(product: Product) -> str:
    return " ".join((product.title or "?").replace("|", "/").split())
