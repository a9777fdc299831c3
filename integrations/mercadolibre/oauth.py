"""MercadoLibre OAuth 2.0: the authorization URL with PKCE, token exchange and refresh.

Refresh tokens are single-use: the pair returned by a refresh replaces the old one at once, and a
second refresh with the old token fails with `invalid_grant`. `TokenRefresher` therefore
refreshes under a lock shared by every worker, re-reads the stored pair after taking it, and saves
the new pair before anyone uses it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp

from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.errors import InvalidGrant, OAuthError

API_BASE_URL = "https://api.mercadolibre.com"
AUTH_HOST = "https://auth.mercadolibre.com.ar"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenPair:
    """An access token, the refresh token that replaces it, and when the access token expires."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    user_id: int
    scope: str = ""
    token_type: str = "Bearer"

    def is_fresh(self, now: datetime, margin: timedelta = timedelta(0)) -> bool:
        """Whether the access token is still good `margin` from now."""
        return now + margin < self.expires_at

    @classmethod
    def from_response(cls, body: dict[str, Any], now: datetime) -> TokenPair:
        try:
            return cls(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                expires_at=now + timedelta(seconds=int(body["expires_in"])),
                user_id=int(body["user_id"]),
                scope=str(body.get("scope") or ""),
                token_type=str(body.get("token_type") or "Bearer"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            # Without a refresh token (app lacks offline_access) the account cannot stay connected.
            raise OAuthError(
                "MercadoLibre's authorization answer is incomplete: reconnect your account and "
                "grant offline access.",
                code="token_response.invalid",
            ) from exc


def new_code_verifier(length: int = 64) -> str:
    """A PKCE code verifier: `length` (43–128) unreserved characters from a secure source."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE code verifier has 43 to 128 characters")
    return secrets.token_urlsafe(length)[:length]


def code_challenge_s256(code_verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636, method S256)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable `state` that ties the callback to the conversation that started it."""
    return secrets.token_urlsafe(24)


def authorization_url(
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    auth_host: str = AUTH_HOST,
) -> str:
    """Where to send the seller to grant access; MercadoLibre redirects back with `code`."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{auth_host.rstrip('/')}/authorization?{query}"


async def _post_token(
    session: aiohttp.ClientSession, form: dict[str, str], *, base_url: str, now: Clock
) -> TokenPair:
    try:
        async with session.post(
            f"{base_url.rstrip('/')}/oauth/token",
            data=form,  # a dict is sent form-encoded, as MercadoLibre documents
            headers={"Accept": "application/json"},
            timeout=aiohttp.ClientTimeout(total=20),
        ) as response:
            status = response.status
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise OAuthError(
            "Could not reach MercadoLibre to renew the access: try again in a few minutes.",
            code="network_error",
            retryable=True,
        ) from exc
    if status == 200 and isinstance(body, dict):
        return TokenPair.from_response(body, now())
    error = body.get("error") if isinstance(body, dict) else None
    if error == "invalid_grant":
        raise InvalidGrant(status)
    if error in {"invalid_client", "unauthorized_client"}:
        raise OAuthError(
            "MercadoLibre rejected the application's credentials: check the app id and secret.",
            code=error,
            status=status,
        )
    raise OAuthError(
        "MercadoLibre did not renew the access right now: try again later.",
        code=str(error) if error else None,
        retryable=status == 429 or status >= 500,
        status=status,
    )


async def exchange_code(
    session: aiohttp.ClientSession,
    code: str,
    code_verifier: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    *,
    base_url: str = API_BASE_URL,
    now: Clock = utc_now,
) -> TokenPair:
    """Trade the `code` of the redirect for the seller's first token pair."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return await _post_token(session, form, base_url=base_url, now=now)


async def refresh(
    session: aiohttp.ClientSession,
    refresh_token: str,
    client_id: str,
    client_secret: str,
    *,
    base_url: str = API_BASE_URL,
    now: Clock = utc_now,
) -> TokenPair:
    """A new pair for a refresh token; the old refresh token stops working at once."""
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return await _post_token(session, form, base_url=base_url, now=now)


class NotConnected(MarketplaceError):
    """No token pair is stored for the seller."""

    def __init__(self) -> None:
        super().__init__(
            "Your MercadoLibre account is not connected yet: connect it first.",
            code="not_connected",
        )


class TokenRefresher:
    """An access-token provider that refreshes at most once, whatever the concurrency.

    `load()` reads the stored pair (None when not connected), `save(pair)` stores a new one, and
    `lock()` returns an async context manager held across workers (a Redis lock in production,
    an `asyncio.Lock` in one process). An instance is a valid `token_provider` for the client.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        client_id: str,
        client_secret: str,
        load: Callable[[], Awaitable[TokenPair | None]],
        save: Callable[[TokenPair], Awaitable[None]],
        lock: Callable[[], AbstractAsyncContextManager[Any]],
        base_url: str = API_BASE_URL,
        now: Clock = utc_now,
        margin: timedelta = timedelta(minutes=5),
    ) -> None:
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._load = load
        self._save = save
        self._lock = lock
        self._base_url = base_url
        self._now = now
        self._margin = margin

    async def _load_pair(self) -> TokenPair:
        pair = await self._load()
        if pair is None:
            raise NotConnected()
        return pair

    async def get_access_token(self, force: bool = False) -> str:
        """A valid access token; `force=True` after a 401 replaces even an unexpired one."""
        seen = await self._load_pair()
        if not force and seen.is_fresh(self._now(), self._margin):
            return seen.access_token
        async with self._lock():
            # Another worker may have refreshed while we waited: its pair is the one to use,
            # and our refresh token is already spent.
            current = await self._load_pair()
            if current.access_token != seen.access_token or (
                not force and current.is_fresh(self._now(), self._margin)
            ):
                return current.access_token
            fresh = await refresh(
                self._session,
                current.refresh_token,
                self._client_id,
                self._client_secret,
                base_url=self._base_url,
                now=self._now,
            )
            await self._save(fresh)
            return fresh.access_token

    async def __call__(self, force: bool = False) -> str:
        return await self.get_access_token(force=force)
