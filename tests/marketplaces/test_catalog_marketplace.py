"""The built-in catalog behind the Marketplace interface, and the registry that picks one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.catalog import CatalogListing, CatalogMarketplace
from integrations.marketplace import Marketplace, MarketplaceError, PublishRequest
from integrations.marketplaces import MarketplaceRegistry, MercadoLibreNotConfigured
from storage.models import Condition, Product, ProductStatus, Seller


@pytest.fixture
async def product(session) -> Product:
    seller = Seller(telegram_id=8101, name="Eva")
    session.add(seller)
    await session.flush()
    item = Product(seller_id=seller.id, status=ProductStatus.PUBLISHED, title="Lámpara de pie",
                   price=Decimal("80"), min_price=Decimal("60"), currency="EUR",
                   condition=Condition.USED)
    session.add(item)
    await session.flush()
    return item


def listing(ref: str) -> CatalogListing:
    return CatalogListing(public_ref=ref, title="Lámpara de pie", description="Una lámpara.",
                          price=Decimal("80"), currency="EUR", condition="used")


async def test_publish_points_at_the_deep_link(session, product: Product) -> None:
    catalog = CatalogMarketplace(session, deep_link_base="https://t.me/marketbot?start=")
    assert isinstance(catalog, Marketplace)
    result = await catalog.publish(listing(product.public_ref))
    assert (result.external_id, result.status) == (product.public_ref, "active")
    assert result.permalink == f"https://t.me/marketbot?start={product.public_ref}"
    with pytest.raises(MarketplaceError, match="stored products"):
        await catalog.publish(PublishRequest(title="x", description="y", price=Decimal(1),
                                             currency="EUR", condition="new"))


async def test_price_and_status_go_through_the_products_rules(session, product: Product
                                                              ) -> None:
    catalog = CatalogMarketplace(session)
    await catalog.update_price(product.public_ref, Decimal("75"))
    assert product.price == Decimal("75")
    with pytest.raises(MarketplaceError, match="minimum price"):
        await catalog.update_price(product.public_ref, Decimal("50"))

    await catalog.update_status(product.public_ref, "paused")
    assert (product.status, await catalog.sync_status(product.public_ref)) == (
        ProductStatus.INACTIVE, "paused")
    await catalog.update_status(product.public_ref, "active")
    assert product.status is ProductStatus.PUBLISHED

    product.status = ProductStatus.SOLD
    await session.flush()
    assert await catalog.sync_status(product.public_ref) == "closed"
    with pytest.raises(MarketplaceError, match="cannot become active"):
        await catalog.update_status(product.public_ref, "active")
    assert await catalog.fetch_questions(product.public_ref) == []
    with pytest.raises(MarketplaceError, match="answered in their chat"):
        await catalog.answer_question("1", "hola")
    with pytest.raises(MarketplaceError) as missing:
        await catalog.sync_status("pnothere")
    assert missing.value.status == 404


async def test_registry_names_what_is_available(session, product: Product) -> None:
    registry = MarketplaceRegistry()
    assert registry.names == ("catalog",)
    assert isinstance(await registry.for_seller(session, product.seller_id, "catalog"),
                      CatalogMarketplace)
    with pytest.raises(MercadoLibreNotConfigured):
        await registry.for_seller(session, product.seller_id, "mercadolibre")
    with pytest.raises(MarketplaceError, match="Unknown marketplace"):
        await registry.for_seller(session, product.seller_id, "ebay")
    assert not await registry.is_available(product.seller_id, "mercadolibre")
