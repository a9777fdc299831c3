"""Publishing a product on a marketplace: the status machine around the marketplace's call.

Every marketplace is reached through the installed `MarketplaceRegistry`. The built-in catalog
makes the product live for the bot's own buyers. An external marketplace (MercadoLibre) moves a
product not yet on sale publishing → published and stores a `Publication` with the external id
and permalink; a `MarketplaceError` moves it to failed instead, with the seller-readable reason
on the publication, and publishing again retries. A product already on sale stays on sale
whatever the other marketplace says. Failures are tool results, not exceptions, so the turn's
transaction keeps the failed status and the reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agents.jobs.job_notices import notice
from agents.selling.seller_rules import SellingError
from agents.turn_context import Button, TurnContext
from integrations.marketplace import MarketplaceError, PublishResult
from integrations.marketplaces import current_registry
from integrations.mercadolibre.errors import DescriptionNotSaved
from storage.models import Marketplace, Product, ProductStatus, Publication
from storage.product_status import can_transition

_ON_SALE = (ProductStatus.PUBLISHED, ProductStatus.RESERVED)


def _move(product: Product, new: ProductStatus) -> None:
    if not can_transition(product.status, new):
        raise SellingError("bad_status", f"A {product.status} product cannot become {new}.")
    product.status = new


async def _publication(ctx: TurnContext, product: Product, marketplace: Marketplace
                       ) -> Publication:
    publication = await ctx.session.scalar(select(Publication).where(
        Publication.product_id == product.id, Publication.marketplace == marketplace))
    if publication is None:
        publication = Publication(product_id=product.id, marketplace=marketplace)
        ctx.session.add(publication)
    return publication


def _record(publication: Publication, result: PublishResult, ctx: TurnContext) -> None:
    publication.external_id, publication.permalink = result.external_id, result.permalink
    publication.external_status = result.status or "active"
    publication.last_synced_at, publication.error, publication.error_code = ctx.now(), None, None


def _published(product: Product, marketplace: Marketplace, publication: Publication
               ) -> dict[str, Any]:
    return {"published": True, "product_id": str(product.id), "marketplace": marketplace.value,
            "start": product.public_ref, "external_id": publication.external_id,
            "permalink": publication.permalink}


async def publish_on(ctx: TurnContext, product: Product, marketplace: str | None
                     ) -> dict[str, Any]:
    """Publish the seller's product on `marketplace` (catalog when not said)."""
    try:
        target = Marketplace(marketplace or Marketplace.CATALOG.value)
    except ValueError:
        raise SellingError("unknown_marketplace", f"Unknown marketplace {marketplace!r}: "
                           "catalog or mercadolibre.") from None
    if product.price is None:
        raise SellingError("missing_price", "Set a price before publishing.")
    if target is Marketplace.CATALOG:
        return await _publish_in_catalog(ctx, product)
    return await _publish_outside(ctx, product, target)


async def _publish_in_catalog(ctx: TurnContext, product: Product) -> dict[str, Any]:
    registry = current_registry()
    try:
        result = await registry.publish_product(ctx.session, product, Marketplace.CATALOG.value)
    except MarketplaceError as exc:
        raise SellingError(exc.code or "not_publishable", exc.reason) from None
    if product.status not in _ON_SALE:
        if product.status is ProductStatus.INACTIVE and product.listed_at is not None:
            _move(product, ProductStatus.PUBLISHED)
        else:
            _move(product, ProductStatus.PUBLISHING)
            await ctx.session.flush()
            _move(product, ProductStatus.PUBLISHED)
        ctx.events.append("published")
    product.listed_at = product.listed_at or ctx.now()
    publication = await _publication(ctx, product, Marketplace.CATALOG)
    _record(publication, result, ctx)
    await ctx.session.flush()
    if await _offer_mercadolibre(ctx, product):
        ctx.buttons = [[Button(notice("ml_publish_button", ctx.language),
                               f"ml:publish:{product.id}")]]
    return _published(product, Marketplace.CATALOG, publication)


async def _offer_mercadolibre(ctx: TurnContext, product: Product) -> bool:
    """Whether to show "Publish on MercadoLibre": connected, and not published there yet."""
    registry = current_registry()
    if not await registry.is_available(product.seller_id, Marketplace.MERCADOLIBRE.value):
        return False
    done = await ctx.session.scalar(select(Publication.id).where(
        Publication.product_id == product.id,
        Publication.marketplace == Marketplace.MERCADOLIBRE,
        Publication.external_id.is_not(None)))
    return done is None


async def _publish_outside(ctx: TurnContext, product: Product, target: Marketplace
                           ) -> dict[str, Any]:
    registry = current_registry()
    try:  # not configured, not connected: nothing was tried, so the product stays as it is
        await registry.for_seller(ctx.session, product.seller_id, target.value)
    except MarketplaceError as exc:
        return {"error": exc.code or "marketplace_unavailable", "message": exc.reason,
                "published": False, "marketplace": target.value}
    publication = await _publication(ctx, product, target)
    if publication.external_id and not publication.error:
        return _published(product, target, publication)
    reopening = product.status is ProductStatus.INACTIVE and product.listed_at is not None
    staged = product.status not in _ON_SALE and not reopening
    if staged:
        _move(product, ProductStatus.PUBLISHING)
        await ctx.session.flush()
    try:
        if publication.external_id:  # created earlier without its description: finish it
            await registry.finish_publication(ctx.session, product, target.value,
                                              publication.external_id)
            result = PublishResult(publication.external_id, publication.permalink or "",
                                   publication.external_status or "active")
        else:
            result = await registry.publish_product(ctx.session, product, target.value)
    except DescriptionNotSaved as exc:
        # The item exists there: keep it (publishing again would duplicate it), say what failed.
        _record(publication, PublishResult(exc.item_id, exc.permalink, exc.item_status), ctx)
        publication.error, publication.error_code = exc.reason, exc.code
        await _on_sale_now(ctx, product, staged or reopening)
        return {"error": "description_not_saved", "message": exc.reason, "published": True,
                "marketplace": target.value, "permalink": exc.permalink}
    except MarketplaceError as exc:
        publication.error, publication.error_code = exc.reason, (exc.code or "")[:80] or None
        publication.external_status, publication.last_synced_at = "error", ctx.now()
        if staged:
            _move(product, ProductStatus.FAILED)
            product.processing_error = exc.reason
        await ctx.session.flush()
        ctx.events.append("publish_failed")
        return {"error": exc.code or "marketplace_error", "message": exc.reason,
                "published": False, "marketplace": target.value, "can_retry": True}
    _record(publication, result, ctx)
    await _on_sale_now(ctx, product, staged or reopening)
    # Live on a marketplace means live for the bot's own buyers too.
    _record(await _publication(ctx, product, Marketplace.CATALOG), PublishResult(
        product.public_ref, registry.catalog(ctx.session).permalink(product.public_ref),
        "active"), ctx)
    await ctx.session.flush()
    return _published(product, target, publication)


async def _on_sale_now(ctx: TurnContext, product: Product, moves: bool) -> None:
    if moves:
        _move(product, ProductStatus.PUBLISHED)
        product.processing_error = None
        ctx.events.append("published")
    product.listed_at = product.listed_at or ctx.now()
    await ctx.session.flush()
