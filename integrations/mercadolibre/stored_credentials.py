"""A seller's MercadoLibre credentials as stored: the `marketplace_credentials` row, its tokens
encrypted with `CredentialsCipher` (never logged, never in a repr), read and written in short
transactions. `accounts.MercadoLibreAccounts` adds the refresh under a lock and the clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import MarketplaceSettings
from integrations.credentials_cipher import CredentialsCipher
from integrations.mercadolibre import sites
from integrations.mercadolibre.client import Account
from integrations.mercadolibre.oauth import NotConnected, TokenPair, utc_now
from storage.database import unit_of_work
from storage.models import Marketplace, MarketplaceCredential

log = structlog.get_logger(__name__)

MARKETPLACE = Marketplace.MERCADOLIBRE
# MercadoLibre refresh tokens last six months, renewed by every refresh.
REFRESH_TOKEN_LIFETIME = timedelta(days=180)


class StoredCredentials:
    """Every seller's stored MercadoLibre credentials; `clock` reads the time wherever an
    expiry is compared, so tests move it instead of sleeping."""

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        cipher: CredentialsCipher,
        settings: MarketplaceSettings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._factory = session_factory
        self._cipher = cipher
        self.settings = settings
        self._clock = clock

    @property
    def client_id(self) -> str:
        assert self.settings.client_id is not None
        return self.settings.client_id

    # -- stored credentials -------------------------------------------------------------------

    async def _row(self, session: AsyncSession, seller_id: uuid.UUID
                   ) -> MarketplaceCredential | None:
        return await session.scalar(select(MarketplaceCredential).where(
            MarketplaceCredential.seller_id == seller_id,
            MarketplaceCredential.marketplace == MARKETPLACE))

    async def load(self, seller_id: uuid.UUID) -> TokenPair | None:
        """The seller's valid token pair, decrypted; None when not connected or invalid."""
        async with self._factory() as session:
            row = await self._row(session, seller_id)
        if row is None or not row.is_valid or not row.access_token_encrypted \
                or not row.refresh_token_encrypted or row.expires_at is None:
            return None
        return TokenPair(
            access_token=self._cipher.decrypt(row.access_token_encrypted),
            refresh_token=self._cipher.decrypt(row.refresh_token_encrypted),
            expires_at=row.expires_at, user_id=int(row.external_user_id or 0),
            scope=row.scopes, token_type="Bearer",
        )

    async def save(self, seller_id: uuid.UUID, pair: TokenPair, *,
                   nickname: str | None = None, account: Account | None = None) -> None:
        """Store a new pair (encrypted) and mark the credentials valid; committed on return.

        `account` (from `/users/me` at connection) records the account's site and tags; a
        refresh leaves them as they are."""
        now = self._clock()
        values: dict[str, Any] = {
            "app_id": self.client_id,
            "access_token_encrypted": self._cipher.encrypt(pair.access_token),
            "refresh_token_encrypted": self._cipher.encrypt(pair.refresh_token),
            "token_type": "bearer",
            "expires_at": pair.expires_at,
            "refresh_expires_at": max(now + REFRESH_TOKEN_LIFETIME, pair.expires_at),
            "scopes": pair.scope or "offline_access read write",
            "external_user_id": str(pair.user_id),
            "is_valid": True,
            "last_validated_at": now,
            "validation_error": None,
        }
        if nickname is not None:
            values["nickname"] = nickname[:100]
        insert_only: dict[str, Any] = {"site_id": self.settings.site_id}
        if account is not None:
            values["site_id"], values["account_tags"] = account.site_id, list(account.tags)
            insert_only = {}
        async with unit_of_work(self._factory, actor=f"marketplace:{MARKETPLACE.value}") as session:
            await session.execute(
                insert(MarketplaceCredential)
                .values(seller_id=seller_id, marketplace=MARKETPLACE, **values, **insert_only)
                .on_conflict_do_update(
                    constraint="uq_marketplace_credentials_seller_id_marketplace", set_=values)
            )

    async def mark_invalid(self, seller_id: uuid.UUID, reason: str) -> bool:
        """Credentials MercadoLibre no longer accepts; True when they were valid until now."""
        async with unit_of_work(self._factory, actor=f"marketplace:{MARKETPLACE.value}") as session:
            changed = await session.scalar(
                update(MarketplaceCredential)
                .where(MarketplaceCredential.seller_id == seller_id,
                       MarketplaceCredential.marketplace == MARKETPLACE,
                       MarketplaceCredential.is_valid.is_(True))
                .values(is_valid=False, validation_error=reason[:1000],
                        last_validated_at=self._clock())
                .returning(MarketplaceCredential.id)
            )
        if changed is not None:
            log.warning("mercadolibre.credentials_invalid", seller_id=str(seller_id))
        return changed is not None

    async def is_connected(self, seller_id: uuid.UUID) -> bool:
        return await self.connection(seller_id) == "connected"

    async def connection(self, seller_id: uuid.UUID) -> str:
        """connected, invalid (must reconnect) or none."""
        async with self._factory() as session:
            row = await self._row(session, seller_id)
        if row is None:
            return "none"
        return "connected" if row.is_valid else "invalid"

    async def account(self, seller_id: uuid.UUID) -> Account:
        """The connected account's user id, site and tags, as stored at connection."""
        async with self._factory() as session:
            row = await self._row(session, seller_id)
        if row is None:
            raise NotConnected()
        return Account(user_id=row.external_user_id or "", site_id=row.site_id,
                       tags=tuple(row.account_tags or ()))

    async def auth_host(self, seller_id: uuid.UUID) -> str:
        """Where the seller signs in: their account's site once known, else the setting."""
        async with self._factory() as session:
            row = await self._row(session, seller_id)
        if row is None or row.site_id not in sites.SITES:
            return self.settings.auth_base_url
        return sites.SITES[row.site_id].auth_host

    async def seller_for_user(self, user_id: str | int) -> uuid.UUID | None:
        """The seller connected as this MercadoLibre user (the `user_id` of a notification)."""
        async with self._factory() as session:
            return await session.scalar(
                select(MarketplaceCredential.seller_id)
                .where(MarketplaceCredential.marketplace == MARKETPLACE,
                       MarketplaceCredential.external_user_id == str(user_id),
                       MarketplaceCredential.is_valid.is_(True))
                .order_by(MarketplaceCredential.updated_at.desc()).limit(1)
            )

    async def connected_sellers(self, *, expiring_before: datetime | None = None
                                ) -> list[uuid.UUID]:
        """Sellers with valid credentials (only those whose token expires before a moment)."""
        query = select(MarketplaceCredential.seller_id).where(
            MarketplaceCredential.marketplace == MARKETPLACE,
            MarketplaceCredential.is_valid.is_(True))
        if expiring_before is not None:
            query = query.where(MarketplaceCredential.expires_at < expiring_before)
        async with self._factory() as session:
            return list((await session.scalars(query.order_by(
                MarketplaceCredential.expires_at))).all())
