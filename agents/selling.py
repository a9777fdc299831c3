"""The seller's side: products, listing versions, publishing and status changes.

Every operation is scoped to the seller's own products (the query includes the owner), checks
the status machine before the database does, and reports plain dicts for the tools.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

from agents.categories import CategoryTree
from agents.listing_quality import route_listing, score_listing
from agents.listing_writer import ListingWriter, ProposedListing
from agents.negotiating import parse_amount
from agents.texts import text
from agents.turn_context import Button, TurnContext, money, tool_error
from storage.models import (
    Condition,
    Listing,
    Marketplace,
    Product,
    ProductImage,
    ProductStatus,
    Publication,
)
from storage.product_status import can_transition
from storage.repositories import products as products_repo

TITLE_RANGE = (10, 60)
MIN_DESCRIPTION = 50


class SellingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def as_result(self) -> dict[str, str]:
        return tool_error(self.code, self.message)


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


def _move(product: Product, new: ProductStatus) -> None:
    if not can_transition(product.status, new):
        raise SellingError("bad_status", f"A {product.status} product cannot become {new}.")
    product.status = new


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
    return await generate_listing(ctx, writer, product)


async def generate_listing(ctx: TurnContext, writer: ListingWriter, product: Product,
                           ) -> dict[str, Any]:
    """A new active listing version from the product's text and photos."""
    on_sale = product.status in (ProductStatus.PUBLISHED, ProductStatus.RESERVED)
    if not on_sale:
        _move(product, ProductStatus.PROCESSING)
        product.processing_started_at, product.processing_completed_at = ctx.now(), None
        product.processing_error = None
    variant = int(await _version_count(ctx, product))
    started = time.perf_counter()
    proposal = await writer.write(product.prompt_text, ctx.photos, language=ctx.language,
                                  variant=variant)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    listing = await _store_listing(ctx, product, proposal, elapsed_ms)
    if not on_sale:
        _move(product, ProductStatus.READY)
        product.processing_completed_at = ctx.now()
    await ctx.session.flush()
    ctx.events.append("listing")
    ctx.buttons = preview_buttons(product, ctx.language)
    return {"product_id": str(product.id), "status": product.status.value,
            "listing": await listing_summary(ctx, product, listing)}


async def _version_count(ctx: TurnContext, product: Product) -> int:
    from sqlalchemy import func, select

    return int(await ctx.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.product_id == product.id)
    ) or 0)


async def _store_listing(ctx: TurnContext, product: Product, proposal: ProposedListing,
                         elapsed_ms: int) -> Listing:
    title = _fit_title(proposal.title, product)
    description = proposal.description.strip()
    if len(description) < MIN_DESCRIPTION:
        description = (description + " " + title + ".").strip()
    photo_count = await products_repo.image_count(ctx.session, product.id)
    category = CategoryTree.load().get(proposal.category_id or "")
    required = list(getattr(category, "required_attributes", []) or [])
    confidence = score_listing(
        title=title, description=description, category_strength=proposal.category_strength,
        price=proposal.price, price_source=proposal.price_source, photo_count=photo_count,
        attributes=proposal.attributes, required_attributes=required,
    )
    listing = Listing(
        product_id=product.id, title=title, description=description,
        category_id=proposal.category_id, category_name=proposal.category_name,
        condition=Condition(proposal.condition), suggested_price=proposal.price,
        currency=proposal.currency, attributes=proposal.attributes,
        confidence=Decimal(str(confidence.overall)),
        confidence_breakdown={**confidence.breakdown, "price_source": proposal.price_source,
                              "photos": photo_count},
        provider=proposal.provider, model=proposal.model, generation_ms=elapsed_ms,
    )
    await products_repo.add_listing_version(ctx.session, listing)
    _copy_listing(product, listing)
    return listing


def _fit_title(title: str, product: Product) -> str:
    """A title within the listing limits; a too-short one is completed from the seller's text."""
    title = " ".join((title or "").split())[: TITLE_RANGE[1]].strip()
    if len(title) < TITLE_RANGE[0]:
        words = " ".join((product.prompt_text or "").split())
        title = (words[: TITLE_RANGE[1]].strip() if len(words) >= TITLE_RANGE[0]
                 else (title + " (artículo)").strip())
    return title.ljust(TITLE_RANGE[0], ".")


def _copy_listing(product: Product, listing: Listing) -> None:
    """The active listing is what buyers see: the product mirrors it."""
    product.title, product.description = listing.title, listing.description
    product.category_id, product.category_name = listing.category_id, listing.category_name
    product.condition = listing.condition
    product.attributes = dict(listing.attributes or {})
    if listing.suggested_price is not None and product.price is None:
        product.price = listing.suggested_price
        product.currency = listing.currency


async def listing_summary(ctx: TurnContext, product: Product, listing: Listing
                          ) -> dict[str, Any]:
    confidence = float(listing.confidence)
    missing = [] if product.price is not None else ["price"]
    if not await products_repo.image_count(ctx.session, product.id):
        missing.append("photo")
    return {
        "version": listing.version, "title": listing.title, "description": listing.description,
        "category": listing.category_name, "condition": listing.condition.value,
        "price": money(product.price), "currency": product.currency,
        "confidence": round(confidence, 2), "route": route_listing(confidence),
        "missing": missing,
    }


def preview_buttons(product: Product, language: str) -> list[list[Button]]:
    ref = product.id
    return [[Button(text("btn_publish", language), f"listing:publish:{ref}"),
             Button(text("btn_edit", language), f"listing:edit:{ref}")],
            [Button(text("btn_regenerate", language), f"listing:regenerate:{ref}"),
             Button(text("btn_cancel", language), f"listing:cancel:{ref}")]]


async def revert_listing(ctx: TurnContext, product: Product, version: int) -> dict[str, Any]:
    listing = await products_repo.listing_version(ctx.session, product.id, int(version))
    if listing is None:
        raise SellingError("no_version", f"This product has no listing version {version}.")
    await products_repo.activate_listing(ctx.session, product.id, listing)
    _copy_listing(product, listing)
    await ctx.session.flush()
    ctx.buttons = preview_buttons(product, ctx.language)
    return {"product_id": str(product.id), "status": product.status.value,
            "listing": await listing_summary(ctx, product, listing)}


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
        await _edited_version(ctx, product, title, description)
    await products_repo.touch(ctx.session, product)
    await ctx.session.flush()
    ctx.events.append("product_updated")
    return {"product": product_state(product)}


async def _edited_version(ctx: TurnContext, product: Product, title: str | None,
                          description: str | None) -> None:
    active = await products_repo.active_listing(ctx.session, product.id)
    if active is None:
        product.title = title or product.title
        product.description = description or product.description
        return
    edited = Listing(
        product_id=product.id, title=title or active.title,
        description=description or active.description, category_id=active.category_id,
        category_name=active.category_name, condition=product.condition,
        suggested_price=active.suggested_price, currency=active.currency,
        attributes=dict(active.attributes or {}), confidence=active.confidence,
        confidence_breakdown=dict(active.confidence_breakdown or {}), provider="seller",
        model="edit", generation_ms=0,
    )
    await products_repo.add_listing_version(ctx.session, edited)
    product.title, product.description = edited.title, edited.description


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


def _publication_query(product_id: uuid.UUID, marketplace: Marketplace):
    from sqlalchemy import select

    return select(Publication).where(Publication.product_id == product_id,
                                     Publication.marketplace == marketplace)


async def change_status(ctx: TurnContext, product: Product, action: str,
                        price: object = None) -> dict[str, Any]:
    """pause | reactivate | sold | cancel, through the status machine."""
    if action == "pause":
        _move(product, ProductStatus.INACTIVE)
    elif action == "cancel":
        _move(product, ProductStatus.INACTIVE)
    elif action == "reactivate":
        target = ProductStatus.PUBLISHED if product.listed_at else ProductStatus.READY
        _move(product, target)
    elif action == "sold":
        sold_price = _amount("price", price) if price is not None else (
            ctx.conversation.negotiated_price or product.price)
        _move(product, ProductStatus.SOLD)
        product.sold_price, product.sold_at, product.reserved_until = sold_price, ctx.now(), None
    else:
        raise SellingError("bad_action", f"Unknown action {action}.")
    await products_repo.touch(ctx.session, product)
    await ctx.session.flush()
    ctx.events.append(action)
    return {"product": product_state(product)}
