"""The built-in catalog: the bot's own marketplace, always on, behind the `Marketplace` interface.

A product is live in the catalog while its status is published (or reserved): buyers find it by
search and open it through its deep link (`/start <public_ref>`). So the catalog's item id is the
product's `public_ref`, and its statuses are the product's own, read through the status machine:
active = published or reserved, paused = inactive (or not yet on sale), closed = sold.
Buyer questions arrive as chats, never through `fetch_questions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.marketplace import (
    ITEM_STATUSES,
    BuyerQuestion,
    ItemStatus,
    MarketplaceError,
    PublishRequest,
    PublishResult,
)
from storage.models import Product, ProductStatus
from storage.product_status import can_transition

_ON_SALE = (ProductStatus.PUBLISHED, ProductStatus.RESERVED)


@dataclass(frozen=True, kw_only=True)
class CatalogListing(PublishRequest):
    """A PublishRequest for a stored product: the catalog lists products, not loose listings."""

    public_ref: str


def catalog_status(status: ProductStatus) -> str:
    """The catalog's word for a product status."""
    if status in _ON_SALE:
        return "active"
    if status is ProductStatus.SOLD:
        return "closed"
    return "paused"


class CatalogMarketplace:
    """The catalog on one database session; implements `integrations.marketplace.Marketplace`.

    `deep_link_base` ("https://t.me/<bot>?start=") makes the permalink; without it the permalink
    is the `/start` command a buyer would send.
    """

    def __init__(self, session: AsyncSession, *, deep_link_base: str | None = None) -> None:
        self._session = session
        self._deep_link_base = deep_link_base

    def permalink(self, public_ref: str) -> str:
        if self._deep_link_base:
            return f"{self._deep_link_base}{public_ref}"
        return f"/start {public_ref}"

    async def _product(self, external_id: str) -> Product:
        product = await self._session.scalar(
            select(Product).where(Product.public_ref == external_id).with_for_update()
        )
        if product is None:
            raise MarketplaceError(
                f"The catalog has no listing {external_id}.", code="item.not_found", status=404
            )
        return product

    async def publish(self, listing: PublishRequest) -> PublishResult:
        """Check the stored product can be listed; its status is the seller's domain to move."""
        if not isinstance(listing, CatalogListing):
            raise MarketplaceError(
                "The catalog lists stored products only.", code="catalog.not_a_product"
            )
        product = await self._product(listing.public_ref)
        if product.price is None or product.price <= 0:
            raise MarketplaceError("Set a price before publishing.", code="item.price.invalid")
        if product.status is ProductStatus.SOLD:
            raise MarketplaceError("This product is already sold.", code="item.status.invalid")
        return PublishResult(external_id=product.public_ref,
                             permalink=self.permalink(product.public_ref), status="active")

    async def update_price(self, external_id: str, price: Decimal) -> None:
        if price <= 0:
            raise MarketplaceError("The price must be greater than zero.",
                                   code="item.price.invalid")
        product = await self._product(external_id)
        if product.min_price is not None and product.min_price > price:
            raise MarketplaceError("The price cannot be below the product's minimum price.",
                                   code="item.price.invalid")
        product.price = price
        await self._session.flush()

    async def update_status(self, external_id: str, status: ItemStatus) -> None:
        if status not in ITEM_STATUSES:
            raise MarketplaceError(
                f"Unknown listing status {status!r}: use active, paused or closed.",
                code="item.status.invalid",
            )
        product = await self._product(external_id)
        if catalog_status(product.status) == status:
            return
        target = ProductStatus.PUBLISHED if status == "active" else ProductStatus.INACTIVE
        if not can_transition(product.status, target):
            raise MarketplaceError(
                f"A {product.status} product cannot become {status} in the catalog.",
                code="item.status.invalid",
            )
        product.status = target
        if target is ProductStatus.INACTIVE:
            product.reserved_until = None
        await self._session.flush()

    async def close(self, external_id: str) -> None:
        await self.update_status(external_id, "closed")

    async def sync_status(self, external_id: str) -> str:
        return catalog_status((await self._product(external_id)).status)

    async def fetch_questions(self, external_id: str) -> list[BuyerQuestion]:
        return []  # catalog buyers ask in their own chat with the bot

    async def answer_question(self, question_id: str, text: str) -> None:
        raise MarketplaceError(
            "Catalog buyers are answered in their chat, not through questions.",
            code="catalog.no_questions",
        )
