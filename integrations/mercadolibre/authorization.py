"""Starting a seller's OAuth authorization: the `state` and PKCE verifier wait in Redis.

`/connect` stores who asked and the code verifier under a fresh `state` with a TTL, then sends
the seller to MercadoLibre; the callback takes them back exactly once (GETDEL), so a replayed or
forged callback finds nothing. Any worker can serve the callback: nothing is kept in memory.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from config.settings import MarketplaceSettings
from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.oauth import (
    authorization_url,
    code_challenge_s256,
    new_code_verifier,
    new_state,
)
from storage.redis_client import unavailable_as_error
from storage.redis_keys import KeySpace

DEFAULT_TTL_SECONDS = 15 * 60


@dataclass(frozen=True)
class PendingAuthorization:
    """Who started the authorization, and the verifier the token exchange needs."""

    seller_id: uuid.UUID
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str
    expires_in_seconds: int


class AuthorizationStates:
    """`begin` before sending the seller away, `consume` in the callback."""

    def __init__(self, redis: aioredis.Redis, keys: KeySpace,
                 ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_seconds = ttl_seconds

    def _key(self, state: str) -> str:
        # KeySpace has no family for this yet; same prefix, so a prefix scan still finds it.
        return self._keys.oauth_state("mercadolibre", state)

    async def begin(self, seller_id: uuid.UUID, settings: MarketplaceSettings, *,
                    auth_host: str | None = None) -> AuthorizationStart:
        """A fresh state and verifier stored for the callback; the URL to open, on `auth_host`
        (the seller's own site, once connected) or the configured one."""
        if not settings.client_id or not settings.redirect_uri:
            raise MarketplaceError(
                "MercadoLibre is not configured on this service (MERCADOLIBRE_CLIENT_ID and "
                "MERCADOLIBRE_REDIRECT_URI).", code="not_configured")
        state, verifier = new_state(), new_code_verifier()
        payload = json.dumps({"seller_id": str(seller_id), "verifier": verifier})
        with unavailable_as_error("oauth state store"):
            await self._redis.set(self._key(state), payload, ex=self.ttl_seconds)
        url = authorization_url(settings.client_id, settings.redirect_uri, state,
                                code_challenge_s256(verifier),
                                auth_host=auth_host or settings.auth_base_url)
        return AuthorizationStart(url=url, state=state, expires_in_seconds=self.ttl_seconds)

    async def consume(self, state: str) -> PendingAuthorization | None:
        """The authorization `state` names, once; None when unknown, used or expired."""
        if not state or len(state) > 128:
            return None
        with unavailable_as_error("oauth state take"):
            raw = await self._redis.getdel(self._key(state))
        if raw is None:
            return None
        data = json.loads(raw)
        return PendingAuthorization(seller_id=uuid.UUID(data["seller_id"]),
                                    code_verifier=str(data["verifier"]))
