"""Actors and products from the transcript format's fixture shape.

Used by the replay runner and the local chat page (`POST /local/fixtures`): sellers, buyers and
products as `../shared/conversation-format.md` describes them. Bad input raises `ValueError`
naming the key.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agents.domain.categories import CategoryTree
from storage.models import Buyer, Condition, Listing, Product, ProductStatus, Seller
from storage.repositories import actors as actors_repo

PRODUCT_KEYS = {"seller", "title", "description", "category", "condition", "price", "min_price",
                "currency", "status", "attributes"}


def _money(where: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: {value!r} is not a number") from None
    if not Decimal(0) < amount <= Decimal("9999999999"):
        raise ValueError(f"{where}: must be positive and at most 9999999999")
    return amount


async def load_fixtures(session: AsyncSession, data: dict[str, Any]) -> dict[str, Any]:
    """Create (or reuse by telegram id) sellers and buyers, then products; returns the refs."""
    if not isinstance(data, dict):
        raise ValueError("fixtures must be a mapping with sellers, buyers, products")
    unknown = set(data) - {"sellers", "buyers", "products"}
    if unknown:
        raise ValueError(f"unknown fixture keys: {', '.join(sorted(unknown))}")
    sellers: dict[str, Seller] = {}
    for name, spec in (data.get("sellers") or {}).items():
        seller = await actors_repo.get_or_create_seller(
            session, telegram_id=_telegram_id(f"sellers.{name}", spec),
            name=spec.get("name", name), language=spec.get("language", "es"))
        sellers[name] = seller
    buyers: dict[str, Buyer] = {}
    for name, spec in (data.get("buyers") or {}).items():
        buyer = await actors_repo.get_or_create_buyer(
            session, telegram_id=_telegram_id(f"buyers.{name}", spec),
            name=spec.get("name", name), language=spec.get("language", "es"))
        if spec.get("blocked"):
            buyer.is_blocked = True
        buyers[name] = buyer
    products: dict[str, dict[str, str]] = {}
    for ref, spec in (data.get("products") or {}).items():
        product = await _product(session, f"products.{ref}", spec, sellers)
        products[ref] = {"id": str(product.id), "start": product.public_ref}
    await session.flush()
    return {"products": products,
            "sellers": {n: str(s.id) for n, s in sellers.items()},
            "buyers": {n: str(b.id) for n, b in buyers.items()}}


def _telegram_id(where: str, spec: Any) -> int:
    if not isinstance(spec, dict) or not isinstance(spec.get("telegram_id"), int):
        raise ValueError(f"{where}.telegram_id: an integer is required")
    return int(spec["telegram_id"])


async def _product(session: AsyncSession, where: str, spec: Any,
                   sellers: dict[str, Seller]) -> Product:
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: must be a mapping")
    unknown = set(spec) - PRODUCT_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    seller = sellers.get(spec.get("seller", ""))
    if seller is None:
        raise ValueError(f"{where}.seller: {spec.get('seller')!r} is not one of the sellers")
    title = str(spec.get("title") or "").strip()
    if not title:
        raise ValueError(f"{where}.title: required")
    price = _money(f"{where}.price", spec.get("price"))
    floor = _money(f"{where}.min_price", spec.get("min_price"))
    if floor is not None and (price is None or floor > price):
        raise ValueError(f"{where}.min_price: must not exceed price")
    try:
        status = ProductStatus(spec.get("status", "published"))
        condition = Condition(spec.get("condition", "not_specified"))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    category = CategoryTree.load().find_by_name(str(spec["category"])) \
        if spec.get("category") else CategoryTree.load().get(
            CategoryTree.load().match(title).category_id)
    description = str(spec.get("description") or title)
    product = Product(
        seller_id=seller.id, status=status, prompt_text=f"{title}. {description}"[:4000],
        title=title, description=description, condition=condition, price=price,
        min_price=floor, currency=str(spec.get("currency", "EUR")).upper(),
        category_id=category.id if category else None,
        category_name=str(spec.get("category") or (category.name(seller.language)
                                                   if category else "")) or None,
        attributes=dict(spec.get("attributes") or {}),
    )
    session.add(product)
    await session.flush()
    if status in (ProductStatus.PUBLISHED, ProductStatus.RESERVED, ProductStatus.SOLD):
        from datetime import UTC, datetime

        product.listed_at = datetime.now(UTC)
    if len(title) >= 10 and len(description) >= 50:
        # A product that arrives published has its listing already written.
        session.add(Listing(product_id=product.id, version=1, is_active=True,
                            title=title[:60], description=description,
                            category_id=product.category_id,
                            category_name=product.category_name, condition=condition,
                            suggested_price=price, currency=product.currency,
                            attributes=product.attributes, confidence=Decimal("1"),
                            confidence_breakdown={"source": "fixture"}, provider="fixture",
                            model="fixture"))
    return product
