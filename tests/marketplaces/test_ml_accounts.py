"""Connected MercadoLibre accounts: the OAuth callback, encrypted storage, one refresh under
concurrency, `invalid_grant`, and `db_manager.py rotate-key`."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aioresponses import aioresponses
from cryptography.fernet import Fernet
from sqlalchemy import select

from integrations.credentials_cipher import CredentialsCipher
from integrations.mercadolibre import InvalidGrant, code_challenge_s256
from integrations.mercadolibre.accounts import ConnectedAccount
from integrations.mercadolibre.web_routes import CALLBACK_PATH, MercadoLibreRoutes
from storage.database import create_engine, create_session_factory
from storage.models import MarketplaceCredential, Product, ProductStatus
from tests.marketplaces.ml_api import (
    API,
    INVALID_GRANT,
    ML_USER_ID,
    REDIRECT_URI,
    TOKEN_URL,
    USERS_ME,
    Clock,
    MarketplaceWorld,
    make_world,
    requests_to,
    token_response,
    with_mercadolibre,
)

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


async def credential(world: MarketplaceWorld, seller_id: object) -> MarketplaceCredential:
    async with world.factory() as session:
        row = await session.scalar(select(MarketplaceCredential).where(
            MarketplaceCredential.seller_id == seller_id))
    assert row is not None
    return row


@pytest.fixture
async def callback_client(world: MarketplaceWorld) -> AsyncIterator[tuple[TestClient, list]]:
    connected: list[ConnectedAccount] = []

    async def on_connected(account: ConnectedAccount) -> None:
        connected.append(account)

    async def ignore(notification: object) -> None:
        return None

    routes = MercadoLibreRoutes(authorizations=world.services.authorizations,
                                accounts=world.services.accounts, on_connected=on_connected,
                                on_notification=ignore)
    app = web.Application()
    routes.setup(app)
    async with TestClient(TestServer(app)) as client:
        yield client, connected


async def test_connect_stores_encrypted_tokens_and_the_state_works_once(
        world: MarketplaceWorld, mocked: aioresponses, callback_client) -> None:
    client, connected = callback_client
    seller = await world.seller(connected=False)
    start = await world.services.authorizations.begin(seller.id, world.settings.marketplaces)
    query = parse_qs(urlsplit(start.url).query)
    assert query["state"] == [start.state] and query["redirect_uri"] == [REDIRECT_URI]
    mocked.post(TOKEN_URL, payload=token_response("APP_USR-first", "TG-first"))
    mocked.get(f"{API}/users/me", payload=USERS_ME)

    page = await client.get(CALLBACK_PATH, params={"code": "TG-code-1", "state": start.state})

    assert page.status == 200 and "TIENDATREK" in await page.text()
    form = requests_to(mocked, "POST", TOKEN_URL)[0].kwargs["data"]
    assert form["grant_type"] == "authorization_code" and form["code"] == "TG-code-1"
    assert code_challenge_s256(form["code_verifier"]) == query["code_challenge"][0]
    assert [(a.seller_id, a.user_id, a.nickname) for a in connected] == [
        (seller.id, str(ML_USER_ID), "TIENDATREK")]
    row = await credential(world, seller.id)
    assert row.is_valid and row.nickname == "TIENDATREK" and row.app_id == "2069392825111111"
    assert "APP_USR-first" not in row.access_token_encrypted  # encrypted at rest
    assert "TG-first" not in (row.refresh_token_encrypted or "")
    assert (await world.accounts.load(seller.id)).access_token == "APP_USR-first"
    assert await world.accounts.seller_for_user(ML_USER_ID) == seller.id

    replay = await client.get(CALLBACK_PATH, params={"code": "TG-code-1", "state": start.state})
    assert replay.status == 400  # the state was used
    assert len(requests_to(mocked, "POST", TOKEN_URL)) == 1


async def test_a_denied_or_forged_callback_stores_nothing(
        world: MarketplaceWorld, mocked: aioresponses, callback_client) -> None:
    client, connected = callback_client
    seller = await world.seller(connected=False)
    start = await world.services.authorizations.begin(seller.id, world.settings.marketplaces)

    forged = await client.get(CALLBACK_PATH, params={"code": "x", "state": "guessed"})
    denied = await client.get(CALLBACK_PATH, params={"error": "access_denied",
                                                     "state": start.state})

    assert forged.status == 400 and denied.status == 200
    assert connected == [] and not mocked.requests
    assert not await world.accounts.is_connected(seller.id)


async def test_ten_parallel_calls_with_an_expired_token_refresh_once(
        fresh_database: str, ml_settings, redis_client, redis_prefix, mocked: aioresponses,
) -> None:
    # Parallel sessions need connections of their own: a real engine on a database of our own.
    engine = create_engine(fresh_database)
    world = await make_world(create_session_factory(engine), ml_settings, Clock(),
                             redis_client, redis_prefix)
    try:
        seller = await world.seller(expires_in=timedelta(minutes=-1))
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-access-2", "TG-refresh-2"))
        mocked.get(f"{API}/users/me", payload=USERS_ME, repeat=True)

        results = await asyncio.gather(*(world.accounts.client(seller.id).get_me()
                                         for _ in range(10)))

        assert [r["nickname"] for r in results] == ["TIENDATREK"] * 10
        refreshes = requests_to(mocked, "POST", TOKEN_URL)
        assert len(refreshes) == 1
        assert refreshes[0].kwargs["data"]["refresh_token"] == "TG-refresh-1"
        tokens = {call.kwargs["headers"]["Authorization"]
                  for call in requests_to(mocked, "GET", f"{API}/users/me")}
        assert tokens == {"Bearer APP_USR-access-2"}
        stored = await world.accounts.load(seller.id)
        assert stored is not None and stored.refresh_token == "TG-refresh-2"
    finally:
        await world.services.close()
        await engine.dispose()


async def test_invalid_grant_marks_the_account_invalid_and_publishing_says_reconnect(
        world: MarketplaceWorld, mocked: aioresponses) -> None:
    seller = await world.seller(expires_in=timedelta(minutes=-5))
    product = await world.product(seller)
    mocked.post(TOKEN_URL, status=400, payload=INVALID_GRANT)

    with pytest.raises(InvalidGrant):
        await world.accounts.client(seller.id).get_me()

    row = await credential(world, seller.id)
    assert not row.is_valid and "reconnect" in (row.validation_error or "")
    assert not await world.accounts.is_connected(seller.id)
    assert await world.accounts.load(seller.id) is None
    result = await world.seller_says(seller, "publícalo en MercadoLibre")
    assert "reconnect your MercadoLibre account" in result.replies[0].text
    assert (await world.get(Product, product.id)).status is ProductStatus.READY
    assert len(requests_to(mocked, "POST", TOKEN_URL)) == 1  # never retried with a dead token


async def test_rotate_key_reencrypts_under_the_new_key(
        fresh_database: str, settings, redis_client, redis_prefix) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = create_engine(fresh_database)
    world = await make_world(create_session_factory(engine), with_mercadolibre(settings, old_key),
                             Clock(), redis_client, redis_prefix)
    try:
        seller = await world.seller()
        before = await credential(world, seller.id)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "scripts/db_manager.py", "rotate-key", cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": fresh_database.replace("+asyncpg", ""),
                 "CREDENTIALS_ENCRYPTION_KEYS": f"{new_key},{old_key}"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        assert "re-encrypted 1 credential row" in out.decode()

        after = await credential(world, seller.id)
        assert after.access_token_encrypted != before.access_token_encrypted
        only_new = CredentialsCipher([new_key])
        assert only_new.decrypt(after.access_token_encrypted) == "APP_USR-access-1"
        assert only_new.decrypt(after.refresh_token_encrypted or "") == "TG-refresh-1"
        assert new_key not in out.decode() + err.decode()
    finally:
        await world.services.close()
        await engine.dispose()
