"""Sellers' MercadoLibre accounts: credentials stored encrypted, tokens refreshed under a lock.

A seller's token pair lives in `marketplace_credentials` (`stored_credentials`: each token
encrypted, never logged, never in a repr). Refresh tokens are single-use, so a refresh
runs under a Redis lock shared by every worker, and the new pair is committed before anyone uses
it (`TokenRefresher` re-reads the stored pair after taking the lock). A refresh MercadoLibre
answers with `invalid_grant` marks the credentials invalid: the seller must reconnect, and until
then the account counts as not connected.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import MarketplaceSettings
from integrations.credentials_cipher import CredentialsCipher
from integrations.marketplace import MarketplaceError
from integrations.mercadolibre import sites
from integrations.mercadolibre.client import Account, MercadoLibreClient
from integrations.mercadolibre.errors import InvalidGrant
from integrations.mercadolibre.oauth import (
    TokenPair,
    TokenRefresher,
    exchange_code,
    utc_now,
)
from integrations.mercadolibre.stored_credentials import StoredCredentials
from integrations.mercadolibre.transport import Sleep
from storage.conversation_lock import ConversationLock

log = structlog.get_logger(__name__)

_LOCK_POLL_SECONDS = (0.01, 0.2)


@dataclass(frozen=True)
class ConnectedAccount:
    seller_id: uuid.UUID
    user_id: str
    nickname: str | None
    expires_at: datetime


class MercadoLibreAccounts(StoredCredentials):
    """Every seller's MercadoLibre credentials (`StoredCredentials`), and clients that use them.

    `lock` is the shared Redis lock (None: an in-process lock, for one worker); `clock` reads
    the time wherever an expiry is compared, so tests move it instead of sleeping.
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        cipher: CredentialsCipher,
        settings: MarketplaceSettings,
        http: aiohttp.ClientSession,
        lock: ConversationLock | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 2,
        lock_wait_seconds: float = 30.0,
    ) -> None:
        if not settings.client_id or settings.client_secret is None:
            raise MarketplaceError(
                "MercadoLibre is not configured: set MERCADOLIBRE_CLIENT_ID and "
                "MERCADOLIBRE_CLIENT_SECRET.",
                code="not_configured",
            )
        super().__init__(session_factory=session_factory, cipher=cipher, settings=settings,
                         clock=clock)
        self._http = http
        self._lock = lock
        self._local_locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._sleep = sleep
        self._max_retries = max_retries
        self._lock_wait = lock_wait_seconds

    def _client_secret(self) -> str:
        assert self.settings.client_secret is not None
        return self.settings.client_secret.get_secret_value()

    # -- tokens and clients -------------------------------------------------------------------

    @asynccontextmanager
    async def _refresh_lock(self, seller_id: uuid.UUID) -> AsyncIterator[None]:
        """Held while one worker refreshes the seller's pair; the others wait, then re-read."""
        if self._lock is None:
            async with self._local_locks.setdefault(seller_id, asyncio.Lock()):
                yield
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_wait
        delay, longest = _LOCK_POLL_SECONDS
        name = f"mercadolibre-token:{seller_id}"
        while (handle := await self._lock.try_acquire_job(name, ttl=self._lock_wait)) is None:
            if loop.time() >= deadline:
                raise MarketplaceError(
                    "MercadoLibre access is being renewed right now: try again in a minute.",
                    code="token_refresh_busy", retryable=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)
        async with handle:
            yield

    def refresher(self, seller_id: uuid.UUID, *,
                  margin: timedelta = timedelta(minutes=5)) -> SellerTokens:
        """The seller's access-token provider (refreshing `margin` before expiry)."""
        async def load() -> TokenPair | None:
            return await self.load(seller_id)

        async def save(pair: TokenPair) -> None:
            await self.save(seller_id, pair)

        refresher = TokenRefresher(
            self._http, client_id=self.client_id, client_secret=self._client_secret(),
            load=load, save=save, lock=lambda: self._refresh_lock(seller_id),
            base_url=self.settings.api_base_url, now=self._clock, margin=margin)
        return SellerTokens(self, seller_id, refresher)

    def client(self, seller_id: uuid.UUID) -> MercadoLibreClient:
        """A client acting as the seller on their account's site, with stored tokens
        refreshed as needed."""
        async def account() -> Account:
            return await self.account(seller_id)

        return self._client(self.refresher(seller_id), account)

    def _client(self, token_provider: Callable[..., Any],
                account: Callable[[], Any] | None = None) -> MercadoLibreClient:
        return MercadoLibreClient(
            self._http, base_url=self.settings.api_base_url, site_id=self.settings.site_id,
            token_provider=token_provider, max_retries=self._max_retries, sleep=self._sleep,
            account=account, currency_rates=sites.rates_of(self.settings.currency_rates))

    async def connect(self, seller_id: uuid.UUID, code: str, code_verifier: str,
                      redirect_uri: str) -> ConnectedAccount:
        """The OAuth callback's work: trade the code, read the account, store the pair."""
        pair = await exchange_code(
            self._http, code, code_verifier, self.client_id, self._client_secret(),
            redirect_uri, base_url=self.settings.api_base_url, now=self._clock)

        async def first_token() -> str:
            return pair.access_token

        me = await self._client(first_token).get_me()
        nickname = str(me.get("nickname") or "") or None
        await self.save(seller_id, pair, nickname=nickname, account=Account.from_me(me))
        log.info("mercadolibre.connected", seller_id=str(seller_id), user_id=pair.user_id)
        return ConnectedAccount(seller_id, str(pair.user_id), nickname, pair.expires_at)


class SellerTokens:
    """A seller's token provider: `TokenRefresher`, plus `invalid_grant` marking the account."""

    def __init__(self, accounts: MercadoLibreAccounts, seller_id: uuid.UUID,
                 refresher: TokenRefresher) -> None:
        self._accounts = accounts
        self.seller_id = seller_id
        self._refresher = refresher

    async def __call__(self, force: bool = False) -> str:
        try:
            return await self._refresher.get_access_token(force=force)
        except InvalidGrant as exc:
            await self._accounts.mark_invalid(self.seller_id, exc.reason)
            raise
