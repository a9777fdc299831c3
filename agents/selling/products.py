"""The seller's side: products, their fields, publishing and status changes.

Every operation is scoped to the seller's own products (the query includes the owner), checks
the status machine before the database does, and reports plain dicts for the tools.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from agents.domain.price_reading import read_floor
from agents.domain.product_kinds import names_another_kind
from agents.domain.product_matching import Candidate, best_matches
from agents.llm.listing_writer import ListingWriter
from agents.selling import listing_versions
from agents.selling.negotiating import parse_amount
from agents.selling.publishing import publish_on
from agents.selling.seller_currency import checked_currency, usual_currency, written_currency
from agents.selling.seller_rules import (
    MIN_DESCRIPTION,
    PICK_CALLBACK,
    TITLE_RANGE,
    SellingError,
    move_status,
)
from agents.turn_context import Button, TurnContext, money
from storage.models import (
    Condition,
    Product,
    ProductImage,
    ProductStatus,
)
from storage.repositories import products as products_repo


async def resolve_product(ctx: TurnContext, product_id: str | None) -> Product:
    """The seller's product by id, by words of its name, or the one in focus.

    Never another seller's: ownership is part of every query. A product the words name wins
    over the one in focus (agents/domain/product_matching.py); when several match equally, the
    seller
    is asked which, with a button for each (unless the seller just chose one of them with such
    a button). Words that name none of the seller's products ("pause it please") leave the
    product in focus.
    """
    assert ctx.seller is not None
    if product_id:
        try:
            wanted = uuid.UUID(str(product_id))
        except ValueError:
            named = await _named(ctx, str(product_id))
            if named is not None:
                return named
        else:
            product = await products_repo.get_owned(ctx.session, ctx.seller.id, wanted,
                                                    lock=True)
            if product is None:
                raise SellingError("no_product",
                                   "No such product among this seller's products.")
            return product
    product = await products_repo.latest_for_seller(ctx.session, ctx.seller.id)
    if product is None:
        raise SellingError("no_product", "No such product among this seller's products.")
    return product


_INACTIVE = (ProductStatus.SOLD, ProductStatus.INACTIVE)


async def _named(ctx: TurnContext, words: str) -> Product | None:
    assert ctx.seller is not None
    products = await products_repo.list_for_seller(ctx.session, ctx.seller.id, limit=100)
    by_id = {p.id: p for p in products}
    matches = best_matches(words, [
        Candidate(p.id, p.title or "", p.attributes, p.status not in _INACTIVE)
        for p in products])
    chosen = [c for c in matches if c.id == ctx.chosen_product_id]
    if len(matches) > 1 and not chosen:
        ctx.buttons = [[Button(by_id[c.id].title or "?", f"{PICK_CALLBACK}{c.id}")]
                       for c in matches[:6]]
        raise SellingError("ambiguous_product",
                           "Several of the seller's products match; ask which one.",
                           candidates=[by_id[c.id].title for c in matches[:6]])
    if not matches:
        # "la cama a 100" to a seller of cameras: not the camera in focus
        if names_another_kind(words, [(p.category_id, p.title or "") for p in products]):
            raise SellingError("no_product", "None of the seller's products is that.")
        return None
    product = by_id[(chosen or matches)[0].id]  # type: ignore[index]
    return await products_repo.get_owned(ctx.session, ctx.seller.id, product.id, lock=True)


# Markup is never part of a product's words: "<script>…</script>" or "<b>" from a pasted text.
_MARKUP = re.compile(r"<\s*(script|style)\b.*?(?:</\s*\1\s*>|$)|<[^<>]{0,200}>",
                     re.IGNORECASE | re.DOTALL)


async def create_product(ctx: TurnContext, writer: ListingWriter, text_: str,
                         currency: str | None = None) -> dict[str, Any]:
    assert ctx.seller is not None
    text_ = " ".join(_MARKUP.sub(" ", text_ or "").split())
    if not text_ and not ctx.photos:
        raise SellingError("empty", "Describe the product or send a photo.")
    currency = written_currency(text_) or checked_currency(currency) or await usual_currency(
        ctx.session, ctx.seller.id)  # the seller's own currency when the words name none
    product = Product(seller_id=ctx.seller.id, prompt_text=text_[:4000],
                      status=ProductStatus.DRAFT, currency=currency or "EUR")
    ctx.session.add(product)
    await ctx.session.flush()
    for position, photo in enumerate(ctx.photos):
        await products_repo.add_image(ctx.session, product, ProductImage(
            storage_key=photo.storage_key, telegram_file_id=photo.telegram_file_id,
            width=photo.width, height=photo.height, size_bytes=photo.size_bytes,
            format=photo.format, position=position,
        ))
    result = await listing_versions.generate_listing(ctx, writer, product)
    floor = read_floor(text_)  # "Vendo sofá 200€, mínimo 150": the seller said the floor
    if floor is not None and product.price is not None and floor < product.price:
        product.min_price = floor
        result["listing"]["min_price"] = money(floor)
    return result


async def update_product(ctx: TurnContext, product: Product, *, price: object = None,
                         min_price: object = None, title: str | None = None,
                         description: str | None = None, condition: str | None = None,
                         currency: str | None = None) -> dict[str, Any]:
    new_price = _amount("price", price) if price is not None else product.price
    new_floor = _amount("min_price", min_price) if min_price is not None else product.min_price
    if new_floor is not None and new_price is None:
        raise SellingError("floor_without_price",
                           "The product has no price yet: ask for the price first.")
    if new_floor is not None and new_price is not None and new_floor > new_price:
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
    if price is not None and checked_currency(currency):
        product.currency = checked_currency(currency)  # "90 quid": the price is in pounds
    if condition is not None:
        product.condition = Condition(condition)
    if title is not None or description is not None or condition is not None:
        await listing_versions.edited_version(ctx, product, title, description,
                                              condition_set=condition is not None)
    await products_repo.touch(ctx.session, product)
    await ctx.session.flush()
    ctx.events.append("product_updated")
    return {"product": product_state(product)}


_DELETABLE = (ProductStatus.DRAFT, ProductStatus.PROCESSING, ProductStatus.READY,
              ProductStatus.FAILED, ProductStatus.INACTIVE)


async def delete_draft(ctx: TurnContext, product: Product) -> dict[str, Any]:
    """Delete a product that never went on sale (its images and versions go with it)."""
    if product.listed_at is not None or product.status not in _DELETABLE:
        raise SellingError("not_a_draft", "Only a draft that was never published can be "
                                          "deleted; pause it or mark it as sold instead.")
    state = product_state(product)
    await ctx.session.delete(product)
    await ctx.session.flush()
    ctx.events.append("deleted")
    return {"deleted": True, "product": state}


def _amount(name: str, value: object) -> Decimal:
    amount = parse_amount(value)
    if amount is None:
        raise SellingError("bad_amount", f"{name} must be a positive number up to 9999999999.")
    return amount


def product_state(product: Product) -> dict[str, Any]:
    state = {"product_id": str(product.id), "title": product.title,
             "price": money(product.price), "min_price": money(product.min_price),
             "currency": product.currency, "status": product.status.value,
             "condition": product.condition.value}
    if product.sold_price is not None:
        state["sold_price"] = money(product.sold_price)
    return state


async def publish(ctx: TurnContext, product: Product, marketplace: str | None = "catalog"
                  ) -> dict[str, Any]:
    """Publish on the catalog or an external marketplace (see agents/selling/publishing.py)."""
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
