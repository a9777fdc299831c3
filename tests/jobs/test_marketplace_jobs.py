"""MercadoLibre jobs at the injected time, against mocked documented answers: tokens refreshed an
hour ahead (a refused one asks the seller to reconnect), listing status synced both ways, and
the questions poll."""

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
from storage.models import Marketplace, MarketplaceCredential, ProductStatus, Publication
from tests.marketplaces.ml_api import (
    ANSWERS,
    CREATED_ITEM,
    INVALID_GRANT,
    ITEM_ID,
    ITEMS,
    QUESTIONS_SEARCH,
    TOKEN_URL,
    MarketplaceWorld,
    answered,
    question,
    questions_page,
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


async def test_listing_status_follows_the_product_and_marketplace_closures_are_told(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    paused_here = await world.product(seller, status=ProductStatus.INACTIVE,
                                      published_as=ITEM_ID)
    closed_there = await world.product(seller, status=ProductStatus.PUBLISHED,
                                       published_as="MLA2000000001",
                                       title="Casco Bell talle M usado")
    mocked.get(f"{ITEMS}/{ITEM_ID}", payload={**CREATED_ITEM, "status": "active"})
    mocked.put(f"{ITEMS}/{ITEM_ID}", payload={**CREATED_ITEM, "status": "paused"})
    mocked.get(f"{ITEMS}/MLA2000000001",
               payload={**CREATED_ITEM, "id": "MLA2000000001", "status": "closed"}, repeat=True)

    sent = await sync_publications(world.factory, world.settings, world.clock(), deps(world))

    assert requests_to(mocked, "PUT", f"{ITEMS}/{ITEM_ID}")[0].kwargs["json"] == {
        "status": "paused"}
    assert [m.chat_id for m in sent] == [str(seller.telegram_id)]
    assert "Casco Bell" in sent[0].text and "finalizada" in sent[0].text
    async with world.factory() as session:
        statuses = dict((await session.execute(select(
            Publication.product_id, Publication.external_status).where(
            Publication.marketplace == Marketplace.MERCADOLIBRE))).all())
    assert statuses == {paused_here.id: "paused", closed_there.id: "closed"}

    again = await sync_publications(world.factory, world.settings, world.clock(), deps(world))
    assert again == []  # told once per change


async def test_the_poll_job_answers_and_returns_what_goes_to_sellers(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller()
    await world.product(seller, status=ProductStatus.PUBLISHED, published_as=ITEM_ID)
    mocked.get(QUESTIONS_SEARCH, payload=questions_page([
        question(901, "¿Incluye luces?", buyer=1300000001),
        question(902, "¿Tiene garantía?", buyer=1300000002)]))
    mocked.post(ANSWERS, payload=answered(901))

    sent = await poll_marketplace_questions(world.factory, world.settings, world.clock(),
                                            deps(world))

    assert [call.kwargs["json"]["question_id"] for call in requests_to(mocked, "POST",
                                                                        ANSWERS)] == [901]
    assert [(m.recipient, m.chat_id) for m in sent] == [("seller", str(seller.telegram_id))]
    assert "garantía" in sent[0].text
    search = next(key for key in mocked.requests if key[1].path == "/questions/search")
    assert (search[1].query["item"], search[1].query["api_version"]) == (ITEM_ID, "4")


async def test_marketplace_jobs_do_nothing_without_mercadolibre(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller(expires_in=timedelta(minutes=1))
    await world.product(seller, status=ProductStatus.PUBLISHED, published_as=ITEM_ID)
    for name in ("refresh_marketplace_tokens", "sync_publications",
                 "poll_marketplace_questions"):
        assert await run_job(name, world.factory, world.settings, world.clock()) == []
    assert not mocked.requests
