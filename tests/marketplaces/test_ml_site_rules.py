"""MercadoLibre's site rules, against the local MercadoLibre API over real HTTP: the currency a
site takes, the site of the connected account, User Products sellers, catalog-only attributes,
and a publish retried after a lost answer creating one item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from integrations.marketplace import MarketplaceError, PublishResult
from integrations.mercadolibre.oauth import new_code_verifier
from integrations.mercadolibre_local import LocalMercadoLibre
from storage.models import Marketplace, Product, ProductStatus, Publication
from tests.marketplaces.ml_api import REDIRECT_URI, MarketplaceWorld

PUBLISH = "publícalo en MercadoLibre"


async def publish(world: MarketplaceWorld, product: Product) -> PublishResult:
    async with world.factory() as session:
        stored = await session.get(Product, product.id)
        assert stored is not None
        return await world.services.registry.publish_product(session, stored, "mercadolibre")


def created(local_ml: LocalMercadoLibre) -> list[dict[str, Any]]:
    return [r["json"] for r in local_ml.sent("POST", "/items")]


async def connect_as(world: MarketplaceWorld, local_ml: LocalMercadoLibre, user_id: int, *,
                     site_id: str, tags: list[str] | None = None):
    """A seller who connects through OAuth as this MercadoLibre account."""
    seller = await world.seller(6100 + user_id % 1000, connected=False)
    local_ml.add_user(user_id, site_id=site_id, tags=tags)
    local_ml.world.codes[f"TG-code-{user_id}"] = user_id
    await world.accounts.connect(seller.id, f"TG-code-{user_id}", new_code_verifier(),
                                 REDIRECT_URI)
    return seller


async def test_currency_eur_product_on_mla_is_refused_with_the_site_currency_named(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    product = await ml_world.product(seller, price=Decimal("350"), currency="EUR")

    result = await ml_world.seller_says(seller, PUBLISH)

    reply = result.replies[0].text
    assert "ARS" in reply and "EUR" in reply, reply
    assert created(local_ml) == []  # refused before anything was sent
    assert (await ml_world.get(Product, product.id)).status is ProductStatus.FAILED


async def test_currency_is_converted_at_a_configured_rate(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    ml_world.services.accounts.settings = ml_world.accounts.settings.model_copy(
        update={"currency_rates": {"EUR:ARS": Decimal("1100")}})
    seller = await ml_world.seller()
    product = await ml_world.product(seller, price=Decimal("350.40"), currency="EUR")

    await publish(ml_world, product)

    body = created(local_ml)[0]
    assert (body["price"], body["currency_id"]) == (385440, "ARS")  # whole pesos


async def test_currency_ars_on_mla_is_created_and_the_fake_refuses_usd_outside_its_categories(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    pesos = await ml_world.product(seller, price=Decimal("350000"), currency="ARS")
    dollars = await ml_world.product(seller, price=Decimal("300"), currency="USD",
                                     title="Bicicleta Specialized Rockhopper rodado 29")

    result = await publish(ml_world, pesos)
    assert local_ml.world.items[result.external_id]["currency_id"] == "ARS"
    with pytest.raises(MarketplaceError) as refused:
        await publish(ml_world, dollars)  # MLA takes USD in some categories, not bikes
    assert refused.value.code == "item.currency_id.invalid"


async def test_site_id_follows_the_connected_account(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await connect_as(ml_world, local_ml, 2200777, site_id="MLB")
    product = await ml_world.product(seller, price=Decimal("1900"), currency="BRL",
                                     title="Bicicleta Caloi Elite aro 29")

    result = await publish(ml_world, product)

    item = local_ml.world.items[result.external_id]
    assert (item["site_id"], item["category_id"], item["currency_id"]) == ("MLB", "MLB1292",
                                                                          "BRL")
    assert [r["path"] for r in local_ml.requests if "domain_discovery" in r["path"]] == [
        "/sites/MLB/domain_discovery/search"]
    # reconnecting, the seller signs in on their own site
    start = await ml_world.services.authorizations.begin(
        seller.id, ml_world.accounts.settings,
        auth_host=await ml_world.accounts.auth_host(seller.id))
    assert start.url.startswith("https://auth.mercadolivre.com.br/authorization?")


async def test_site_id_of_the_account_decides_the_currency(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await connect_as(ml_world, local_ml, 2200778, site_id="MLB")
    product = await ml_world.product(seller, price=Decimal("350000"), currency="ARS")

    with pytest.raises(MarketplaceError) as refused:
        await publish(ml_world, product)
    assert refused.value.code == "item.currency_id.unsupported"
    assert "BRL" in refused.value.reason


async def test_user_product_seller_sends_family_name_and_no_title(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await connect_as(ml_world, local_ml, 2200779, site_id="MLA",
                              tags=["normal", "user_product_seller"])
    product = await ml_world.product(seller)

    await publish(ml_world, product)

    body = created(local_ml)[0]
    assert "title" not in body
    assert body["family_name"] == "Bicicleta Trek Marlin 5 Rodado 29"


async def test_user_product_rules_are_enforced_by_the_fake(local_ml: LocalMercadoLibre) -> None:
    import aiohttp

    local_ml.add_user(2200780, site_id="MLA", tags=["user_product_seller"], token="UP-token")
    body = {"title": "Bicicleta Trek Marlin 5", "category_id": "MLA1292", "price": 350000,
            "currency_id": "ARS", "available_quantity": 1, "buying_mode": "buy_it_now",
            "listing_type_id": "gold_special", "condition": "used", "pictures": [],
            "attributes": [{"id": "BRAND", "value_name": "Trek"},
                           {"id": "MODEL", "value_name": "Marlin 5"}]}
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer UP-token"}) as http:
        async with http.post(f"{local_ml.url}/items", json=body) as response:
            refusal = await response.json()
    assert response.status == 400
    assert {c["code"] for c in refusal["cause"]} == {"item.title.not_modifiable",
                                                     "item.family_name.required"}


async def test_catalog_required_attributes_do_not_block_a_normal_listing(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    # BICYCLE_TYPE is tagged catalog_required only; BRAND and MODEL are required
    product = await ml_world.product(seller, attributes={"Marca": "Trek", "Modelo": "Marlin 5"})

    await publish(ml_world, product)

    ids = [a["id"] for a in created(local_ml)[0]["attributes"]]
    assert "BICYCLE_TYPE" not in ids and {"BRAND", "MODEL"} <= set(ids)


async def test_a_publish_retried_after_a_lost_answer_creates_one_item(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    product = await ml_world.product(seller)
    # The item is created, but every answer to POST /items is lost on the way back.
    for _ in range(3):
        local_ml.fail_next("POST", "/items", 502, after=True)

    first = await ml_world.seller_says(seller, PUBLISH)
    assert "MercadoLibre" in first.replies[0].text
    assert len(local_ml.world.items) >= 1

    await ml_world.seller_says(seller, PUBLISH)  # the seller tries again

    assert len(local_ml.world.items) == 1
    async with ml_world.factory() as session:
        from sqlalchemy import select

        on_ml = await session.scalar(select(Publication).where(
            Publication.product_id == product.id,
            Publication.marketplace == Marketplace.MERCADOLIBRE))
    assert on_ml is not None and on_ml.external_id == next(iter(local_ml.world.items))
    assert (await ml_world.get(Product, product.id)).status is ProductStatus.PUBLISHED
