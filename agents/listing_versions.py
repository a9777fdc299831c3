"""Listing versions: generate (and regenerate) with the writer, revert, edit, summarise.

Each generation is a new version that becomes the only active one; the product mirrors the
active version, which is what buyers see. Confidence comes from agents/listing_quality.py.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from agents.categories import CategoryTree
from agents.listing_quality import route_listing, score_listing
from agents.listing_writer import ListingWriter, ProposedListing, closing
from agents.seller_currency import written_currency
from agents.seller_rules import MIN_DESCRIPTION, TITLE_RANGE, SellingError, move_status
from agents.texts import text
from agents.turn_context import Button, PhotoRef, TurnContext, money
from storage.models import Condition, Listing, Product, ProductStatus
from storage.repositories import products as products_repo


async def generate_listing(ctx: TurnContext, writer: ListingWriter, product: Product,
                           ) -> dict[str, Any]:
    """A new active listing version from the product's text and photos."""
    on_sale = product.status in (ProductStatus.PUBLISHED, ProductStatus.RESERVED)
    if not on_sale:
        move_status(product, ProductStatus.PROCESSING)
        product.processing_started_at, product.processing_completed_at = ctx.now(), None
        product.processing_error = None
    variant = int(await version_count(ctx, product))
    edits = await seller_edits(ctx, product)
    started = time.perf_counter()
    proposal = await writer.write(product.prompt_text, await product_photos(ctx, product),
                                  language=ctx.language, variant=variant)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    if written_currency(product.prompt_text) is None:  # "Selling a lamp, 20": the seller's own
        proposal = replace(proposal, currency=product.currency)
    listing = await _store_listing(ctx, product, _with_edits(proposal, edits, variant),
                                   elapsed_ms)
    if not on_sale:
        move_status(product, ProductStatus.READY)
        product.processing_completed_at = ctx.now()
    await ctx.session.flush()
    ctx.events.append("listing")
    ctx.buttons = await _turn_buttons(ctx, product)
    return {"product_id": str(product.id), "status": product.status.value,
            "listing": await listing_summary(ctx, product, listing)}


async def seller_edits(ctx: TurnContext, product: Product) -> dict[str, str]:
    """What the seller wrote or set themselves, the latest of each: title, description,
    condition. A new version starts from these, and a revert keeps the condition."""
    rows = (await ctx.session.scalars(
        select(Listing).where(Listing.product_id == product.id, Listing.provider == "seller")
        .order_by(Listing.version))).all()
    edits: dict[str, str] = {}
    for row in rows:
        for key in (row.confidence_breakdown or {}).get("seller_set", []):
            value = getattr(row, key, None)
            if value is not None:
                edits[key] = value.value if isinstance(value, Condition) else str(value)
    return edits


def _with_edits(proposal: ProposedListing, edits: dict[str, str], variant: int
                ) -> ProposedListing:
    """The writer's proposal with the seller's own words in place of its own: their title,
    their description (with this variant's closing, so versions stay apart), their condition."""
    if not edits:
        return proposal
    description = proposal.description
    if "description" in edits:
        description = (edits["description"].rstrip() + closing(proposal.language, variant))
    return replace(proposal, title=edits.get("title", proposal.title), description=description,
                   condition=edits.get("condition", proposal.condition))


async def product_photos(ctx: TurnContext, product: Product) -> list[PhotoRef]:
    """The product's stored photos (a regeneration has none in its message); the writer reads
    their bytes by storage key."""
    images = await products_repo.images_of(ctx.session, product.id)
    return [PhotoRef(telegram_file_id=i.telegram_file_id, storage_key=i.storage_key,
                     width=i.width, height=i.height, size_bytes=i.size_bytes, format=i.format)
            for i in images] or ctx.photos


async def version_count(ctx: TurnContext, product: Product) -> int:
    """How many listing versions the product has (the next one's writer variant)."""
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
        "category": listing.category_name, "condition": product.condition.value,
        "price": money(product.price), "currency": product.currency,
        "confidence": round(confidence, 2), "route": route_listing(confidence),
        "missing": missing,
    }


async def _turn_buttons(ctx: TurnContext, product: Product) -> list[list[Button]]:
    """The preview's buttons; a message that made several drafts gets a Publish button naming
    each (one set of unnamed buttons would act on the last draft only)."""
    prefix = "listing:publish:"
    refs = [b.callback_data[len(prefix):] for row in ctx.buttons for b in row
            if b.callback_data.startswith(prefix)]
    refs = [ref for ref in refs if ref != str(product.id)]
    if not refs:
        return preview_buttons(product, ctx.language)
    drafts = [await ctx.session.get(Product, uuid.UUID(ref)) for ref in refs] + [product]
    label = text("btn_publish", ctx.language)
    return [[Button(f"{label}: {(draft.title or '')[:32]}", f"{prefix}{draft.id}")]
            for draft in drafts if draft is not None]


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
    kept = (await seller_edits(ctx, product)).get("condition")
    _copy_listing(product, listing)
    if kept is not None:  # the condition the seller set is a fact, not a wording
        product.condition = Condition(kept)
    await ctx.session.flush()
    ctx.buttons = preview_buttons(product, ctx.language)
    return {"product_id": str(product.id), "status": product.status.value,
            "listing": await listing_summary(ctx, product, listing)}


async def show_listing(ctx: TurnContext, product: Product) -> dict[str, Any]:
    """The whole active listing as buyers will see it, with the buttons to act on it."""
    listing = await products_repo.active_listing(ctx.session, product.id)
    if listing is None:
        return {"product": {"product_id": str(product.id), "title": product.title,
                            "description": product.description,
                            "category": product.category_name,
                            "condition": product.condition.value, "price": money(product.price),
                            "currency": product.currency, "status": product.status.value}}
    ctx.buttons = [] if product.status in _ON_SALE else preview_buttons(product, ctx.language)
    summary = await listing_summary(ctx, product, listing)
    return {"product_id": str(product.id), "status": product.status.value,
            "versions": await version_count(ctx, product), "listing": summary}


_ON_SALE = (ProductStatus.PUBLISHED, ProductStatus.RESERVED, ProductStatus.SOLD)


async def edited_version(ctx: TurnContext, product: Product, title: str | None,
                          description: str | None, *, condition_set: bool = False) -> None:
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
        confidence_breakdown={**(active.confidence_breakdown or {}), "seller_set": [
            key for key, given in (("title", title), ("description", description),
                                   ("condition", condition_set)) if given]},
        provider="seller", model="edit", generation_ms=0,
    )
    await products_repo.add_listing_version(ctx.session, edited)
    product.title, product.description = edited.title, edited.description
