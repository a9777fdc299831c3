"""A seller publishes on MercadoLibre through the conversation service (offline model, real
database, MercadoLibre mocked with its documented answers): the happy path, each refusal the
seller must understand, retries of 429 and 5xx, and publishing again after a failure."""

from __future__ import annotations

from typing import Any

from aioresponses import aioresponses

from storage.models import Marketplace, Product, ProductStatus, Publication
from tests.marketplaces.ml_api import (
    ATTRIBUTES,
    CATEGORY_ATTRIBUTES,
    CREATED_ITEM,
    DESCRIPTION_SAVED,
    DISCOVERY,
    ITEM_ID,
    ITEMS,
    NO_ITEMS,
    PERMALINK,
    PREDICTION,
    SKU_SEARCH,
    MarketplaceWorld,
    requests_to,
)

PUBLISH = "publícalo en MercadoLibre"
CATEGORY_INVALID = {
    "message": "Validation error", "error": "validation_error", "status": 400,
    "cause": [{"department": "items", "cause_id": 147, "type": "error",
               "code": "item.category_id.invalid", "references": ["item.category_id"],
               "message": "Category MLA1292 is not a leaf category"}],
}
INVALID_FIELDS = {
    "message": "body.invalid_fields",
    "error": "The body does not contains some or none of the following properties "
             "[pictures, shipping]",
    "status": 400, "cause": [],
}
SERVER_ERROR = {"message": "Internal server error", "error": "internal_error", "status": 500,
                "cause": []}
TOO_MANY = {"message": "Too many requests", "error": "too_many_requests", "status": 429,
            "cause": []}


def expect_lookup(mocked: aioresponses) -> None:
    mocked.get(SKU_SEARCH, payload=NO_ITEMS, repeat=True)
    mocked.get(DISCOVERY, payload=PREDICTION)
    mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)


def expect_created(mocked: aioresponses) -> None:
    mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
    mocked.post(f"{ITEMS}/{ITEM_ID}/description", status=201, payload=DESCRIPTION_SAVED)


async def publication(world: MarketplaceWorld, product: Product, marketplace: Marketplace
                      ) -> Publication | None:
    from sqlalchemy import select

    async with world.factory() as session:
        return await session.scalar(select(Publication).where(
            Publication.product_id == product.id, Publication.marketplace == marketplace))


async def test_publish_predicts_fills_creates_describes_and_stores_the_permalink(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)
    expect_lookup(mocked)
    expect_created(mocked)

    result = await world.seller_says(seller, PUBLISH)

    assert "MercadoLibre" in result.replies[0].text and "Publicado" in result.replies[0].text
    discovery = next(key for key in mocked.requests
                     if key[1].path.endswith("/domain_discovery/search"))
    assert discovery[1].query["q"] == "Bicicleta Trek Marlin 5 Rodado 29"
    created: dict[str, Any] = requests_to(mocked, "POST", ITEMS)[0].kwargs["json"]
    assert created["category_id"] == "MLA1292"  # predicted, not our own category id
    assert (created["price"], created["currency_id"], created["condition"]) == (
        350000, "ARS", "used")
    # Required attributes from the listing, matched by id, by name and by spelling.
    assert created["attributes"] == [{"id": "BRAND", "value_name": "Trek"},
                                     {"id": "MODEL", "value_name": "Marlin 5"},
                                     {"id": "BICYCLE_TYPE", "value_name": "Montaña"},
                                     # the product's reference: a retried publish finds it
                                     {"id": "SELLER_SKU", "value_name": product.public_ref}]
    assert requests_to(mocked, "POST", ITEMS)[0].kwargs["headers"]["Authorization"] == (
        "Bearer APP_USR-access-1")
    described = requests_to(mocked, "POST", f"{ITEMS}/{ITEM_ID}/description")
    assert described[0].kwargs["json"] == {"plain_text": product.description}

    stored = await world.get(Product, product.id)
    assert stored.status is ProductStatus.PUBLISHED and stored.listed_at is not None
    on_ml = await publication(world, product, Marketplace.MERCADOLIBRE)
    assert on_ml is not None
    assert (on_ml.external_id, on_ml.permalink, on_ml.external_status, on_ml.error) == (
        ITEM_ID, PERMALINK, "active", None)
    # Live on a marketplace is live for the bot's own buyers too.
    in_catalog = await publication(world, product, Marketplace.CATALOG)
    assert in_catalog is not None and in_catalog.external_id == stored.public_ref


async def test_invalid_category_fails_the_product_and_names_the_reason(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)
    expect_lookup(mocked)
    mocked.post(ITEMS, status=400, payload=CATEGORY_INVALID)

    result = await world.seller_says(seller, PUBLISH)

    reason = ("MercadoLibre rejected the category MLA1292: choose a more specific category "
              "that accepts this product.")
    assert reason in result.replies[0].text
    assert len(requests_to(mocked, "POST", ITEMS)) == 1  # a 400 is never retried
    assert (await world.get(Product, product.id)).status is ProductStatus.FAILED
    failed = await publication(world, product, Marketplace.MERCADOLIBRE)
    assert failed is not None
    assert (failed.error, failed.error_code, failed.external_id) == (
        reason, "item.category_id.invalid", None)


async def test_invalid_fields_are_named_and_publishing_again_retries(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)
    expect_lookup(mocked)
    mocked.post(ITEMS, status=400, payload=INVALID_FIELDS)

    failed = await world.seller_says(seller, PUBLISH)

    assert "MercadoLibre rejected these fields of the listing: pictures, shipping." in (
        failed.replies[0].text)
    assert (await world.get(Product, product.id)).status is ProductStatus.FAILED

    expect_lookup(mocked)
    expect_created(mocked)
    retried = await world.seller_says(seller, PUBLISH)

    assert "Publicado" in retried.replies[0].text
    assert (await world.get(Product, product.id)).status is ProductStatus.PUBLISHED
    done = await publication(world, product, Marketplace.MERCADOLIBRE)
    assert done is not None and (done.external_id, done.error) == (ITEM_ID, None)


async def test_429_is_retried_then_the_item_is_created(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)
    expect_lookup(mocked)
    mocked.post(ITEMS, status=429, payload=TOO_MANY)
    expect_created(mocked)

    result = await world.seller_says(seller, PUBLISH)

    assert "Publicado" in result.replies[0].text
    assert len(requests_to(mocked, "POST", ITEMS)) == 2
    assert (await world.get(Product, product.id)).status is ProductStatus.PUBLISHED


async def test_500_three_times_fails_then_a_retry_publishes(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)
    expect_lookup(mocked)
    for _ in range(3):
        mocked.post(ITEMS, status=500, payload=SERVER_ERROR)

    failed = await world.seller_says(seller, PUBLISH)

    assert len(requests_to(mocked, "POST", ITEMS)) == 3
    assert "MercadoLibre is not responding properly right now: try again later." in (
        failed.replies[0].text)
    assert (await world.get(Product, product.id)).status is ProductStatus.FAILED
    row = await publication(world, product, Marketplace.MERCADOLIBRE)
    assert row is not None and row.error_code == "internal_error"

    expect_lookup(mocked)
    expect_created(mocked)
    await world.seller_says(seller, PUBLISH)
    assert (await world.get(Product, product.id)).status is ProductStatus.PUBLISHED


async def test_not_connected_seller_is_told_to_connect_and_nothing_is_sent(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller(connected=False)
    product = await world.product(seller)

    result = await world.seller_says(seller, PUBLISH)

    assert "connect it first" in result.replies[0].text
    assert not mocked.requests
    assert (await world.get(Product, product.id)).status is ProductStatus.READY
    assert await publication(world, product, Marketplace.MERCADOLIBRE) is None


async def test_catalog_publish_offers_the_mercadolibre_button(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    product = await world.product(seller)

    result = await world.seller_says(seller, "publícalo")

    stored = await world.get(Product, product.id)
    assert stored.status is ProductStatus.PUBLISHED
    assert [[b.callback_data for b in row] for row in result.replies[0].buttons] == [
        [f"ml:publish:{product.id}"]]
    assert not mocked.requests  # the catalog is ours: no HTTP
