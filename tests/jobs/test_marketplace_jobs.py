"""MercadoLibre jobs at the injected time: tokens refreshed an hour ahead (a refused one asks the
seller to reconnect; mocked documented answers), listing status synced both ways 20 listings a
request, and the questions poll by seller (both against the local MercadoLibre API)."""

from __future__ import annotations

from datetime import timedelta

from aioresponses import aioresponses
from sqlalchemy import select

from agents.jobs import JobDeps, run_job
from agents.marketplace_jobs import (
    poll_marketplace_questions,
    refresh_marketplace_tokens,
    sync_publications,
)
from integrations.mercadolibre_local import LocalMercadoLibre
from storage.models import Marketplace, MarketplaceCredential, ProductStatus, Publication
from tests.marketplaces.ml_api import (
    INVALID_GRANT,
    ITEM_ID,
    ML_USER_ID,
    TOKEN_URL,
    MarketplaceWorld,
    requests_to,
    token_response,
)


def deps(world: MarketplaceWorld) -> JobDeps:
    return JobDeps(marketplaces=world.services, questions=world.questions)


async def test_tokens_expiring_within_the_hour_are_refreshed_and_refused_ones_reported(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    soon = await world.seller(6601, expires_in=timedelta(minutes=40))
    later = await world.seller(6602, expires_in=timedelta(hours=3))
    revoked = await world.seller(6603, expires_in=timedelta(minutes=10))
    # Soonest expiry first: `revoked` is refused, then `soon` is renewed.
    mocked.post(TOKEN_URL, status=400, payload=INVALID_GRANT)
    mocked.post(TOKEN_URL, payload=token_response("APP_USR-access-2", "TG-refresh-2"))

    sent = await refresh_marketplace_tokens(world.factory, world.settings, world.clock(),
                                            deps(world))

    assert len(requests_to(mocked, "POST", TOKEN_URL)) == 2  # `later` is left alone
    assert (await world.accounts.load(soon.id)).access_token == "APP_USR-access-2"
    assert (await world.accounts.load(later.id)).access_token == "APP_USR-access-1"
    assert [m.chat_id for m in sent] == [str(revoked.telegram_id)]
    assert "/connect" in sent[0].text
    async with world.factory() as session:
        valid = dict((await session.execute(select(
            MarketplaceCredential.seller_id, MarketplaceCredential.is_valid))).all())
    assert valid == {soon.id: True, later.id: True, revoked.id: False}

    world.clock.advance(hours=2, minutes=30)  # `later` now expires within the hour
    mocked.post(TOKEN_URL, payload=token_response("APP_USR-access-3", "TG-refresh-3"))
    assert await run_job("refresh_marketplace_tokens", world.factory, world.settings,
                         world.clock(), deps(world)) == []
    assert (await world.accounts.load(later.id)).access_token == "APP_USR-access-3"
    assert len(requests_to(mocked, "POST", TOKEN_URL)) == 3  # the revoked one is not retried


def listed(local_ml: LocalMercadoLibre, item_id: str, status: str) -> None:
    """An item of the world's seller as MercadoLibre holds it."""
    local_ml.world.items[item_id] = {"id": item_id, "seller_id": ML_USER_ID, "status": status,
                                     "site_id": "MLA", "title": item_id}


async def test_listing_status_follows_the_product_and_marketplace_closures_are_told(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    paused_here = await ml_world.product(seller, status=ProductStatus.INACTIVE,
                                         published_as=ITEM_ID)
    closed_there = await ml_world.product(seller, status=ProductStatus.PUBLISHED,
                                          published_as="MLA2000000001",
                                          title="Casco Bell talle M usado")
    listed(local_ml, ITEM_ID, "active")
    listed(local_ml, "MLA2000000001", "closed")

    sent = await sync_publications(ml_world.factory, ml_world.settings, ml_world.clock(),
                                   deps(ml_world))

    assert [r["json"] for r in local_ml.sent("PUT", f"/items/{ITEM_ID}")] == [
        {"status": "paused"}]
    assert [m.chat_id for m in sent] == [str(seller.telegram_id)]
    assert "Casco Bell" in sent[0].text and "finalizada" in sent[0].text
    async with ml_world.factory() as session:
        statuses = dict((await session.execute(select(
            Publication.product_id, Publication.external_status).where(
            Publication.marketplace == Marketplace.MERCADOLIBRE))).all())
    assert statuses == {paused_here.id: "paused", closed_there.id: "closed"}

    again = await sync_publications(ml_world.factory, ml_world.settings, ml_world.clock(),
                                    deps(ml_world))
    assert again == []  # told once per change


async def test_sync_reads_twenty_listings_a_request(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    for number in range(25):
        item_id = f"MLA30000000{number:02d}"
        await ml_world.product(seller, status=ProductStatus.PUBLISHED, published_as=item_id,
                               title=f"Bicicleta número {number} rodado 29")
        listed(local_ml, item_id, "active")

    await sync_publications(ml_world.factory, ml_world.settings, ml_world.clock(),
                            deps(ml_world))

    reads = [r for r in local_ml.requests if r["method"] == "GET"
             and r["path"].startswith("/items")]
    assert [len(r["query"]["ids"].split(",")) for r in reads] == [20, 5]


async def test_the_poll_job_searches_once_per_seller_answers_and_forwards(
        ml_world: MarketplaceWorld, local_ml: LocalMercadoLibre) -> None:
    seller = await ml_world.seller()
    for item_id in (ITEM_ID, "MLA2000000002"):
        await ml_world.product(seller, status=ProductStatus.PUBLISHED, published_as=item_id)
        listed(local_ml, item_id, "active")
    lights = local_ml.world.add_question(ITEM_ID, "¿Incluye luces?", buyer=1300000001)
    local_ml.world.add_question("MLA2000000002", "¿Tiene garantía?", buyer=1300000002)

    sent = await poll_marketplace_questions(ml_world.factory, ml_world.settings,
                                            ml_world.clock(), deps(ml_world))

    assert [a["question_id"] for a in local_ml.world.answers] == [lights]
    assert [(m.recipient, m.chat_id) for m in sent] == [("seller", str(seller.telegram_id))]
    assert "garantía" in sent[0].text
    searches = local_ml.sent("GET", "/questions/search")
    assert [(s["query"]["seller_id"], s["query"]["status"]) for s in searches] == [
        (str(ML_USER_ID), "UNANSWERED")]


async def test_marketplace_jobs_do_nothing_without_mercadolibre(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller(expires_in=timedelta(minutes=1))
    await world.product(seller, status=ProductStatus.PUBLISHED, published_as=ITEM_ID)
    for name in ("refresh_marketplace_tokens", "sync_publications",
                 "poll_marketplace_questions"):
        assert await run_job(name, world.factory, world.settings, world.clock()) == []
    assert not mocked.requests
