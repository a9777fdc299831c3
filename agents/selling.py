"""The seller's side: products, their fields, publishing and status changes.

Every operation is scoped to the seller's own products (the query includes the owner), checks
the status machine before the database does, and reports plain dicts for the tools.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from agents import listing_versions
from agents.listing_writer import ListingWriter
from agents.negotiating import parse_amount
from agents.seller_rules import (
    MIN_DESCRIPTION,
    TITLE_RANGE,
    SellingError,
    move_status,
)
from agents.turn_context import TurnContext, money
from storage.models import (
    Condition,
    Product,
    ProductImage,
    ProductStatus,
)
from storage.repositories import products as products_repo


async def resolve_product(ctx: TurnContext, product_id: str | None) -> Product:
    """The seller's product by id, by words of its title, or the one in focus.

    Never another seller's: ownership is part of every query. Words that name none of the
    seller's products ("pause it please") leave the product in focus.
    """
    assert ctx.seller is not None
    product = None
    if product_id:
        try:
            wanted = uuid.UUID(str(product_id))
        except ValueError:
            product = await products_repo.best_owned_match(ctx.session, ctx.seller.id,
                                                           str(product_id), lock=True)
        else:
            product = await products_repo.get_owned(ctx.session, ctx.seller.id, wanted,
                                                    lock=True)
            if product is None:
                raise SellingError("no_product",
                                   "No such product among this seller's products.")
    if product is None:
        product = await products_repo.latest_for_seller(ctx.session, ctx.seller.id)
    if product is None:
        raise SellingError("no_product", "No such product among this seller's products.")
    return product


async def create_product(ctx: TurnContext, writer: ListingWriter, text_: str) -> dict[str, Any]:
    assert ctx.seller is not None
    text_ = (text_ or "").strip()
    if not text_ and not ctx.photos:
        raise SellingError("empty", "Describe the product or send a photo.")
    product = Product(seller_id=ctx.seller.id, prompt_text=text_[:4000],
                      status=ProductStatus.DRAFT, currency="EUR")
    ctx.session.add(product)
    await ctx.session.flush()
    for position, photo in enumerate(ctx.photos):
        await products_repo.add_image(ctx.session, product, ProductImage(
            storage_key=photo.storage_key, telegram_file_id=photo.telegram_file_id,
            width=photo.width, height=photo.height, size_bytes=photo.size_bytes,
            format=photo.format, position=position,
        ))
    return await listing_versions.generate_listing(ctx, writer, product)


async def update_product(ctx: TurnContext, product: Product, *, price: object = None,
                         min_price: object = None, title: str | None = None,
                         description: str | None = None, condition: str | None = None,
                         ) -> dict[str, Any]:
    new_price = _amount("price", price) if price is not None else product.price
    new_floor = _amount("min_price", min_price) if min_price is not None else product.min_price
    if new_floor is not None and (new_price is None or new_floor > new_price):
        raise SellingError("floor_above_price",
                           "The minimum price cannot be above the asking price.")
    if title is not None:
        title = " ".join(title.split())
        if not TITLE_RANGE[0] <= len(title) <= TITLE_RANGE[1]:
            raise SellingError("bad_title", "A title must have 10 to 60 characters.")
    if description is not None:
        description = description.strip()
        if len(description) < MIN_DESCRIPTION:
            raise SellingError("bad_description", "A description needs at least 50 characters.")
    if condition is not None and condition not in {c.value for c in Condition}:
        raise SellingError("bad_condition", "Condition is new, used or not_specified.")
    product.price, product.min_price = new_price, new_floor
    if condition is not None:
        product.condition = Condition(condition)
    if title is not None or description is not None:
        await listing_versions.edited_version(ctx, product, title, description)
    await products_repo.touch(ctx.session, product)
    await ctx.session.flush()
    ctx.events.append("product_updated")
    return {"product": product_state(product)}


def _amount(name: str, value: object) -> Decimal:
    amount = parse_amount(value)
    if amount is None:
        raise SellingError("bad_amount", f"{name} must be a positive number up to 9999999999.")
    return amount


def product_state(product: Product) -> dict[str, Any]:
    return {"product_id": str(product.id), "title": product.title, "price": money(product.price),
            "min_price": money(product.min_price), "currency": product.currency,
            "status": product.status.value, "condition": product.condition.value}


async def publish(ctx: TurnContext, product: Product, marketplace: str | None = "catalog"
                  ) -> dict[str, Any]:
    """Publish on the catalog or an external marketplace (see agents/publishing.py)."""
    from agents.publishing import publish_on  # it builds on this module's SellingError

    return await publish_on(ctx, product, marketplace)


async def change_status(ctx: TurnContext, product: Product, action: str,
                        price: object = None) -> dict[str, Any]:
    """pause | reactivate | sold | cancel, through the status machine."""
    if action == "pause":
        move_status(product, ProductStatus.INACTIVE)
    elif action == "cancel":
        move_status(product, ProductStatus.INACTIVE)
    elif action == "reactivate":
        target = ProductStatus.PUBLISHED if product.listed_at else ProductStatus.READY
        move_status(product, target)
    elif action == "sold":
        sold_price = _amount("price", price) if price is not None else (
            ctx.conversation.negotiated_price or product.price)
        move_status(product, ProductStatus.SOLD)
        product.sold_price, product.sold_at, product.reserved_until = sold_price, ctx.now(), None
    else:
        raise SellingError("bad_action", f"Unknown action {action}.")
    await products_repo.touch(ctx.session, product)
    await ctx.session.flush()
    ctx.events.append(action)
    return {"product": product_state(product)}
