"""Which marketplace serves a seller: the registry, and the marketplace services built at start.

The built-in catalog is always there. MercadoLibre is there when the service is configured for it
(app id, secret, encryption keys) and, for one seller, once that seller connected an account.
`publish_product` turns a stored product into the marketplace's `PublishRequest` (title,
description, price, condition, attributes, photos) so domain code never builds vendor requests.

The registry in force is installed once per process (`install_registry`), like the listing
writer: it is configuration, not state, so every worker builds the same one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from integrations.catalog import CatalogListing, CatalogMarketplace
from integrations.credentials_cipher import CredentialsCipher, CredentialsCipherError
from integrations.marketplace import Marketplace, MarketplaceError, PictureSource, PublishResult
from integrations.mercadolibre.accounts import MercadoLibreAccounts
from integrations.mercadolibre.authorization import AuthorizationStates
from integrations.mercadolibre.errors import InvalidGrant
from integrations.mercadolibre.oauth import NotConnected, utc_now
from integrations.mercadolibre.transport import Sleep
from storage.conversation_lock import ConversationLock
from storage.models import Marketplace as MarketplaceName
from storage.models import Product, ProductImage
from storage.redis_keys import KeySpace
from storage.sample_images import DEFAULT_MEDIA_ROOT

log = structlog.get_logger(__name__)

CATALOG = MarketplaceName.CATALOG.value
MERCADOLIBRE = MarketplaceName.MERCADOLIBRE.value


class MercadoLibreNotConfigured(MarketplaceError):
    def __init__(self) -> None:
        super().__init__(
            "MercadoLibre is not available on this service yet: the operator must configure it.",
            code="not_configured")


class MarketplaceRegistry:
    """Picks the `Marketplace` for a seller and a marketplace name."""

    def __init__(self, *, mercadolibre: MercadoLibreAccounts | None = None,
                 deep_link_base: str | None = None,
                 media_root: Path = DEFAULT_MEDIA_ROOT) -> None:
        self.mercadolibre = mercadolibre
        self.deep_link_base = deep_link_base
        self._media_root = media_root

    @property
    def names(self) -> tuple[str, ...]:
        return (CATALOG, MERCADOLIBRE) if self.mercadolibre else (CATALOG,)

    def catalog(self, session: AsyncSession) -> CatalogMarketplace:
        return CatalogMarketplace(session, deep_link_base=self.deep_link_base)

    async def for_seller(self, session: AsyncSession, seller_id: uuid.UUID, name: str
                         ) -> Marketplace:
        """The marketplace `name` acting for the seller; MarketplaceError when it cannot."""
        if name == CATALOG:
            return self.catalog(session)
        if name != MERCADOLIBRE:
            raise MarketplaceError(f"Unknown marketplace {name!r}: use catalog or mercadolibre.",
                                   code="marketplace.unknown")
        if self.mercadolibre is None:
            raise MercadoLibreNotConfigured()
        connection = await self.mercadolibre.connection(seller_id)
        if connection == "invalid":
            raise InvalidGrant()  # its reason asks the seller to reconnect
        if connection != "connected":
            raise NotConnected()
        return self.mercadolibre.client(seller_id)

    async def is_available(self, seller_id: uuid.UUID, name: str) -> bool:
        if name == CATALOG:
            return True
        return name == MERCADOLIBRE and self.mercadolibre is not None and \
            await self.mercadolibre.is_connected(seller_id)

    async def publish_product(self, session: AsyncSession, product: Product, name: str
                              ) -> PublishResult:
        """Publish the stored product on `name` (the product's status is the caller's to move)."""
        marketplace = await self.for_seller(session, product.seller_id, name)
        listing = await self.listing_for(session, product, photos=name != CATALOG)
        return await marketplace.publish(listing)

    async def finish_publication(self, session: AsyncSession, product: Product, name: str,
                                 external_id: str) -> None:
        """Post the description of an item that was created without it (a failed first try)."""
        marketplace = await self.for_seller(session, product.seller_id, name)
        set_description = getattr(marketplace, "set_description", None)
        if set_description is not None:
            await set_description(external_id, product.description or product.title or "")

    async def listing_for(self, session: AsyncSession, product: Product, *, photos: bool = True
                          ) -> CatalogListing:
        """The product as a PublishRequest; the marketplace predicts the category itself.

        Our category ids only resemble MercadoLibre's, so none is sent: a wrong id is refused
        (`item.category_id.invalid`) where a predicted one is accepted.
        """
        if product.price is None:
            raise MarketplaceError("Set a price before publishing.", code="item.price.invalid")
        pictures = await self._pictures(session, product) if photos else []
        attributes = {str(key): str(value) for key, value in (product.attributes or {}).items()
                      if value not in (None, "") and not isinstance(value, dict | list)}
        return CatalogListing(
            public_ref=product.public_ref, title=product.title or product.prompt_text[:60],
            description=product.description or product.title or "", category_id=None,
            price=product.price, currency=product.currency,
            condition=product.condition.value, attributes=attributes, pictures=pictures)

    async def _pictures(self, session: AsyncSession, product: Product) -> list[PictureSource]:
        """The product's photos stored on disk, primary first, as bytes to upload."""
        images = (await session.scalars(
            select(ProductImage).where(ProductImage.product_id == product.id)
            .order_by(ProductImage.is_primary.desc(), ProductImage.position))).all()
        pictures: list[PictureSource] = []
        for image in images:
            path = self._media_root / image.storage_key if image.storage_key else None
            if path is not None and path.is_file():
                pictures.append(await asyncio.to_thread(path.read_bytes))
        return pictures


_installed: dict[str, MarketplaceRegistry] = {}


def install_registry(registry: MarketplaceRegistry) -> None:
    """Make `registry` the one publishing uses in this process."""
    _installed["current"] = registry


def current_registry() -> MarketplaceRegistry:
    """The installed registry; the catalog alone until one is installed."""
    return _installed.setdefault("current", MarketplaceRegistry())


@dataclass
class MarketplaceServices:
    """What the marketplace features need at run time; `close()` on shutdown."""

    http: aiohttp.ClientSession
    registry: MarketplaceRegistry
    accounts: MercadoLibreAccounts | None
    authorizations: AuthorizationStates

    async def close(self) -> None:
        await self.http.close()


def credentials_cipher(settings: Settings) -> CredentialsCipher | None:
    """The cipher of CREDENTIALS_ENCRYPTION_KEYS; None when no key is configured."""
    keys = settings.marketplaces.credentials_keys
    if keys is None or not keys.get_secret_value().strip():
        return None
    return CredentialsCipher.from_setting(keys.get_secret_value())


def build_marketplace_services(
    settings: Settings, *, session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis, keys: KeySpace, lock: ConversationLock | None = None,
    clock: Callable[[], datetime] = utc_now, deep_link_base: str | None = None,
    sleep: Sleep = asyncio.sleep, max_retries: int = 2,
) -> MarketplaceServices:
    """The registry for these settings; MercadoLibre joins when app and keys are configured."""
    http = aiohttp.ClientSession()
    accounts: MercadoLibreAccounts | None = None
    config = settings.marketplaces
    if config.client_id and config.client_secret is not None:
        try:
            cipher = credentials_cipher(settings)
        except CredentialsCipherError as exc:
            log.error("mercadolibre.disabled", reason=str(exc))
            cipher = None
        if cipher is None:
            log.warning("mercadolibre.disabled",
                        reason="CREDENTIALS_ENCRYPTION_KEYS is not set: tokens cannot be stored")
        else:
            accounts = MercadoLibreAccounts(
                session_factory=session_factory, cipher=cipher, settings=config, http=http,
                lock=lock, clock=clock, sleep=sleep, max_retries=max_retries)
    registry = MarketplaceRegistry(mercadolibre=accounts, deep_link_base=deep_link_base)
    return MarketplaceServices(http=http, registry=registry, accounts=accounts,
                               authorizations=AuthorizationStates(redis, keys))
