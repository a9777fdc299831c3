"""Scheduled marketplace work: token refresh, publication status sync, the questions poll.

Each is a job of `agents.jobs` (factory, settings, now, deps) and does nothing when MercadoLibre
is not configured. Failures of one seller or one listing are logged and skipped: the next run
tries again, and the others are not held back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.job_notices import notify_seller
from agents.outbox import OutboundMessage
from config.settings import Settings
from integrations.catalog import catalog_status
from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.errors import InvalidGrant
from integrations.mercadolibre.oauth import NotConnected
from storage.database import unit_of_work
from storage.models import Marketplace, Product, ProductStatus, Publication, Seller

if TYPE_CHECKING:
    from agents.jobs import JobDeps

log = structlog.get_logger(__name__)

# Tokens live 6 h; refreshing an hour ahead leaves room for a failed run or two.
REFRESH_AHEAD = timedelta(hours=1)
# MercadoLibre statuses we may set ourselves; others (closed, under_review) are MercadoLibre's.
_SETTABLE = frozenset({"active", "paused"})
STATUS_WORDS = {
    "active": {"es": "activa", "en": "active"},
    "paused": {"es": "pausada", "en": "paused"},
    "closed": {"es": "finalizada", "en": "closed"},
    "under_review": {"es": "en revisión", "en": "under review"},
    "inactive": {"es": "inactiva", "en": "inactive"},
}


async def refresh_marketplace_tokens(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    """Refresh every token that expires within the hour; a refused one asks to reconnect."""
    accounts = deps.marketplaces.accounts if deps.marketplaces else None
    if accounts is None:
        return []
    sent: list[OutboundMessage] = []
    for seller_id in await accounts.connected_sellers(expiring_before=now + REFRESH_AHEAD):
        try:
            await accounts.refresher(seller_id, margin=REFRESH_AHEAD)()
        except InvalidGrant:  # already marked invalid by the token provider
            async with unit_of_work(factory, actor="job:refresh_tokens") as session:
                out = await notify_seller(session, seller_id, "ml_reconnect", now=now)
            sent += [out] if out else []
        except MarketplaceError as exc:
            log.warning("job.token_refresh_failed", seller_id=str(seller_id), reason=exc.reason)
    return sent


async def sync_publications(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps, *, item_ids: list[str] | None = None,
) -> list[OutboundMessage]:
    """Each MercadoLibre listing's status, read back and brought in line with the product.

    A product paused or sold here pauses or closes its listing there; a listing MercadoLibre
    closed or put under review is recorded and the seller told, once per change.
    """
    accounts = deps.marketplaces.accounts if deps.marketplaces else None
    if accounts is None:
        return []
    query = (select(Publication.id, Publication.external_id, Publication.external_status,
                    Product.seller_id, Product.status, Product.title)
             .join(Product, Product.id == Publication.product_id)
             .where(Publication.marketplace == Marketplace.MERCADOLIBRE,
                    Publication.external_id.is_not(None)))
    if item_ids is not None:
        query = query.where(Publication.external_id.in_(item_ids))
    async with factory() as session:
        rows = (await session.execute(query)).all()
    sent: list[OutboundMessage] = []
    by_seller: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_seller.setdefault(row.seller_id, []).append(row)
    for seller_id, seller_rows in by_seller.items():
        client = accounts.client(seller_id)
        try:  # 20 listings a request (multiget), not one request each
            remote_statuses = await client.statuses([r.external_id for r in seller_rows])
        except NotConnected:
            continue
        except MarketplaceError as exc:
            log.warning("job.publication_sync_failed", seller_id=str(seller_id),
                        reason=exc.reason)
            continue
        for row in seller_rows:
            if row.external_id in remote_statuses:
                sent += await _sync_one(factory, client, row, remote_statuses[row.external_id],
                                        now)
    return sent


async def _sync_one(factory: async_sessionmaker[AsyncSession], client: Any, row: Any,
                    remote: str, now: datetime) -> list[OutboundMessage]:
    """One listing brought in line with its product; the seller told of a change there."""
    sent: list[OutboundMessage] = []
    wanted = catalog_status(ProductStatus(row.status))
    if remote in _SETTABLE and remote != wanted:
        try:
            await client.update_status(row.external_id, wanted)
            remote = wanted
        except MarketplaceError as exc:
            log.warning("job.publication_sync_failed", item_id=row.external_id,
                        reason=exc.reason)
            return sent
    async with unit_of_work(factory, actor="job:sync_publications") as session:
        publication = await session.get(Publication, row.id, with_for_update=True)
        if publication is None:
            return sent
        changed = publication.external_status != remote
        publication.external_status, publication.last_synced_at = remote, now
        if changed and remote not in _SETTABLE:
            out = await notify_seller(
                session, row.seller_id, "ml_status_changed", now=now,
                title=row.title or row.external_id,
                status=_status_word(remote, await _language(session, row.seller_id)))
            sent += [out] if out else []
    return sent


async def poll_marketplace_questions(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime,
    deps: JobDeps,
) -> list[OutboundMessage]:
    """Questions a lost webhook left unanswered, answered now; returns the seller forwards."""
    if deps.questions is None:
        return []
    outcomes = await deps.questions.poll()
    return [out for outcome in outcomes for out in outcome.deliveries]


def _status_word(status: str, language: str) -> str:
    words = STATUS_WORDS.get(status)
    return words.get(language, words["es"]) if words else status


async def _language(session: AsyncSession, seller_id: object) -> str:
    seller = await session.get(Seller, seller_id)
    return seller.language if seller else "es"
