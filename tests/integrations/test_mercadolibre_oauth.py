"""MercadoLibre OAuth: authorization URL, PKCE, token exchange/refresh and TokenRefresher."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from integrations.mercadolibre import (
    InvalidGrant,
    NotConnected,
    OAuthError,
    TokenPair,
    TokenRefresher,
    authorization_url,
    code_challenge_s256,
    exchange_code,
    new_code_verifier,
    refresh,
)

TOKEN_URL = "https://api.mercadolibre.com/oauth/token"
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


def token_response(access: str, refresh_token: str) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 21600,
        "scope": "offline_access read write",
        "user_id": 1108966308,
        "refresh_token": refresh_token,
    }


INVALID_GRANT = {
    "error_description": "Error validating grant. Your authorization code or refresh token may "
    "be expired or it was already used",
    "error": "invalid_grant",
    "status": 400,
    "cause": [],
}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def posted_forms(mocked: aioresponses) -> list[dict[str, str]]:
    return [call.kwargs["data"] for call in mocked.requests.get(("POST", URL(TOKEN_URL)), [])]


def test_authorization_url_carries_pkce_and_state() -> None:
    url = authorization_url(
        "2069392825111111",
        "https://bot.example.org/mercadolibre/callback",
        "st4te",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "auth.mercadolibre.com.ar",
        "/authorization",
    )
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["2069392825111111"],
        "redirect_uri": ["https://bot.example.org/mercadolibre/callback"],
        "state": ["st4te"],
        "code_challenge": ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
        "code_challenge_method": ["S256"],
    }


def test_pkce_challenge_matches_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_code_verifiers_are_unreserved_random_and_sized() -> None:
    verifiers = {new_code_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    for verifier in verifiers:
        assert re.fullmatch(r"[A-Za-z0-9\-._~]{64}", verifier)
    assert len(new_code_verifier(43)) == 43
    assert len(new_code_verifier(128)) == 128
    with pytest.raises(ValueError):
        new_code_verifier(42)


async def test_exchange_code_posts_the_form_and_dates_the_expiry(
    session: aiohttp.ClientSession,
) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-first", "TG-first"))
        pair = await exchange_code(
            session,
            "TG-code-123",
            "verifier-abc",
            "2069392825111111",
            "s3cret",
            "https://bot.example.org/mercadolibre/callback",
            now=lambda: NOW,
        )
        forms = posted_forms(mocked)

    assert forms == [
        {
            "grant_type": "authorization_code",
            "client_id": "2069392825111111",
            "client_secret": "s3cret",
            "code": "TG-code-123",
            "redirect_uri": "https://bot.example.org/mercadolibre/callback",
            "code_verifier": "verifier-abc",
        }
    ]
    assert pair.access_token == "APP_USR-first"
    assert pair.refresh_token == "TG-first"
    assert pair.expires_at == NOW + timedelta(hours=6)
    assert pair.user_id == 1108966308
    assert pair.scope == "offline_access read write"
    assert "APP_USR-first" not in repr(pair) and "TG-first" not in repr(pair)


async def test_refresh_uses_the_refresh_grant(session: aiohttp.ClientSession) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-2", "TG-2"))
        pair = await refresh(session, "TG-1", "app", "secret", now=lambda: NOW)
        forms = posted_forms(mocked)
    assert forms[0]["grant_type"] == "refresh_token"
    assert forms[0]["refresh_token"] == "TG-1"
    assert (pair.access_token, pair.refresh_token) == ("APP_USR-2", "TG-2")


async def test_invalid_grant_is_its_own_error(session: aiohttp.ClientSession) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=INVALID_GRANT)
        with pytest.raises(InvalidGrant) as raised:
            await refresh(session, "TG-used", "app", "secret")
    assert raised.value.code == "invalid_grant"
    assert raised.value.retryable is False
    assert "reconnect your MercadoLibre account" in raised.value.reason


async def test_token_endpoint_outage_is_retryable_but_not_invalid_grant(
    session: aiohttp.ClientSession,
) -> None:
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=503, body="<html>Service Unavailable</html>")
        with pytest.raises(OAuthError) as raised:
            await refresh(session, "TG-1", "app", "secret")
    assert not isinstance(raised.value, InvalidGrant)
    assert (raised.value.status, raised.value.retryable) == (503, True)


class TokenStore:
    """The seller's stored pair, with awaits so concurrent callers interleave as in real I/O."""

    def __init__(self, pair: TokenPair | None) -> None:
        self.pair = pair
        self.saved: list[TokenPair] = []

    async def load(self) -> TokenPair | None:
        await asyncio.sleep(0)
        return self.pair

    async def save(self, pair: TokenPair) -> None:
        await asyncio.sleep(0)
        self.saved.append(pair)
        self.pair = pair


def refresher(session: aiohttp.ClientSession, store: TokenStore) -> TokenRefresher:
    lock = asyncio.Lock()
    return TokenRefresher(
        session,
        client_id="app",
        client_secret="secret",
        load=store.load,
        save=store.save,
        lock=lambda: lock,
        now=lambda: NOW,
    )


def stored_pair(access: str, refresh_token: str, expires_in: timedelta) -> TokenPair:
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_at=NOW + expires_in,
        user_id=1108966308,
    )


async def test_ten_parallel_calls_with_an_expired_token_refresh_once(
    session: aiohttp.ClientSession,
) -> None:
    store = TokenStore(stored_pair("APP_USR-old", "TG-old", timedelta(minutes=-1)))
    provider = refresher(session, store)
    with aioresponses() as mocked:
        # Registered once: a second refresh would find no response and fail the test.
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-new", "TG-new"))
        tokens = await asyncio.gather(*(provider.get_access_token() for _ in range(10)))
        forms = posted_forms(mocked)

    assert tokens == ["APP_USR-new"] * 10
    assert [form["refresh_token"] for form in forms] == ["TG-old"]
    assert [pair.refresh_token for pair in store.saved] == ["TG-new"]
    assert store.pair is not None and store.pair.expires_at == NOW + timedelta(seconds=21600)


async def test_fresh_token_is_returned_without_refreshing(
    session: aiohttp.ClientSession,
) -> None:
    store = TokenStore(stored_pair("APP_USR-ok", "TG-ok", timedelta(hours=1)))
    with aioresponses() as mocked:
        assert await refresher(session, store)() == "APP_USR-ok"
        assert posted_forms(mocked) == []


async def test_token_close_to_expiry_is_refreshed_early(session: aiohttp.ClientSession) -> None:
    store = TokenStore(stored_pair("APP_USR-ending", "TG-1", timedelta(minutes=2)))
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-2", "TG-2"))
        assert await refresher(session, store)() == "APP_USR-2"


async def test_forced_refreshes_in_parallel_also_refresh_once(
    session: aiohttp.ClientSession,
) -> None:
    store = TokenStore(stored_pair("APP_USR-revoked", "TG-1", timedelta(hours=5)))
    provider = refresher(session, store)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-2", "TG-2"))
        tokens = await asyncio.gather(*(provider(force=True) for _ in range(5)))
        assert len(posted_forms(mocked)) == 1
    assert set(tokens) == {"APP_USR-2"}


async def test_spent_refresh_token_raises_invalid_grant_and_saves_nothing(
    session: aiohttp.ClientSession,
) -> None:
    store = TokenStore(stored_pair("APP_USR-old", "TG-spent", timedelta(minutes=-5)))
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=400, payload=INVALID_GRANT)
        with pytest.raises(InvalidGrant):
            await refresher(session, store).get_access_token()
    assert store.saved == []


async def test_no_stored_pair_means_not_connected(session: aiohttp.ClientSession) -> None:
    with pytest.raises(NotConnected):
        await refresher(session, TokenStore(None)).get_access_token()
