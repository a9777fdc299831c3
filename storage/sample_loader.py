"""Writes the sample data set (`storage.sample_data`) into the database, once.

Everything goes in one transaction, recorded by the audit triggers as actor `sample-data`.
The set is recognised by its sellers' Telegram ids: when any of them exists, nothing is written.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.database import unit_of_work
from storage.models import (
    ActorKind,
    Author,
    BotSession,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    ConversationState,
    Direction,
    Listing,
    Marketplace,
    Message,
    MessageType,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    ProductImage,
    ProductStatus,
    Publication,
    Seller,
)
from storage.models.base import Condition
from storage.sample_data import BUYERS, CHATS, PRODUCTS, SELLERS, SampleChat, SampleTurn
from storage.sample_images import DEFAULT_MEDIA_ROOT, write_sample_photo

SAMPLE_ACTOR = "sample-data"
SESSION_HOURS = 24


@dataclass
class SampleDataReport:
    inserted: bool
    existing_sellers: int = 0
    counts: dict[str, int] = field(default_factory=dict)


async def count_sample_sellers(session: AsyncSession) -> int:
    ids = [seller.telegram_id for seller in SELLERS]
    query = select(func.count()).select_from(Seller).where(Seller.telegram_id.in_(ids))
    return int((await session.execute(query)).scalar_one())


class _Writer:
    """Holds the rows created so far, keyed by the sample set's names."""

    def __init__(self, session: AsyncSession, media_root: Path, now: datetime) -> None:
        self.session = session
        self.media_root = media_root
        self.now = now
        self.sellers: dict[str, Seller] = {}
        self.buyers: dict[str, Buyer] = {}
        self.products: dict[str, Product] = {}
        self.counts: dict[str, int] = {}
        self.photo_dirs: list[Path] = []  # removed again if the transaction fails

    def add(self, row: Any) -> Any:
        self.session.add(row)
        table = type(row).__tablename__
        self.counts[table] = self.counts.get(table, 0) + 1
        return row

    def ago(self, minutes: int) -> datetime:
        return self.now - timedelta(minutes=minutes)

    async def people(self) -> None:
        for s in SELLERS:
            self.sellers[s.key] = self.add(Seller(
                telegram_id=s.telegram_id, name=s.name, language=s.language,
                floor_ratio=s.floor_ratio, negotiation=dict(s.negotiation),
            ))
        for b in BUYERS:
            self.buyers[b.key] = self.add(Buyer(
                telegram_id=b.telegram_id, name=b.name, language=b.language,
                marketplace="mercadolibre" if b.marketplace_user_id else None,
                marketplace_user_id=b.marketplace_user_id, is_verified=b.is_verified,
                is_blocked=b.is_blocked, trust_score=b.trust_score,
                purchase_count=b.purchase_count,
                conversation_count=sum(1 for chat in CHATS if chat.buyer == b.key),
                profile={"source": SAMPLE_ACTOR},
            ))
        await self.session.flush()

    async def catalog(self) -> None:
        for p in PRODUCTS:
            listed_at = self.now - timedelta(days=p.listed_days_ago)
            product = self.add(Product(
                id=uuid.uuid4(), seller_id=self.sellers[p.seller].id,
                status=ProductStatus.PUBLISHED, prompt_text=p.prompt_text, title=p.title,
                description=p.description, category_id=p.category_id,
                category_name=p.category_name, condition=Condition(p.condition), price=p.price,
                min_price=p.min_price, currency="EUR", attributes=dict(p.attributes),
                processing_started_at=listed_at - timedelta(seconds=9),
                processing_completed_at=listed_at - timedelta(seconds=2), listed_at=listed_at,
            ))
            self.products[p.key] = product
            await self.session.flush()  # listings refer to it by id, not by relationship
            photo = write_sample_photo(self.media_root, str(product.id), p.title, p.colour)
            self.photo_dirs.append(self.media_root / str(product.id))
            self.add(ProductImage(
                product=product, storage_key=photo.storage_key, is_primary=True, position=0,
                size_bytes=photo.size_bytes, format=photo.format, width=photo.width,
                height=photo.height, processing_metadata={"source": SAMPLE_ACTOR},
            ))
            self.add(Listing(
                product_id=product.id, version=1, is_active=True, title=p.title,
                description=p.description, category_id=p.category_id,
                category_name=p.category_name, condition=Condition(p.condition),
                suggested_price=p.price, currency="EUR", attributes=dict(p.attributes),
                confidence=p.confidence, confidence_breakdown=dict(p.breakdown),
                provider="offline", model="offline-rules", generation_ms=840,
            ))
            self.add(Publication(
                product_id=product.id, marketplace=Marketplace.CATALOG,
                external_id=product.public_ref, external_status="active",
                last_synced_at=listed_at,
            ))
        await self.session.flush()

    async def chat(self, chat: SampleChat) -> None:
        buyer = self.buyers[chat.buyer] if chat.buyer else None
        seller = self.sellers[chat.seller]
        product = self.products[chat.product] if chat.product else None
        chat_id = buyer.telegram_id if buyer else seller.telegram_id
        last_at = self.ago(min(turn.minutes_ago for turn in chat.turns))
        conversation = self.add(Conversation(
            channel=Channel.TELEGRAM, external_chat_id=str(chat_id),
            kind=ConversationKind.BUYER_CHAT if buyer else ConversationKind.SELLER_ASSISTANT,
            product_id=product.id if product else None, buyer_id=buyer.id if buyer else None,
            seller_id=seller.id, state=ConversationState(chat.state),
            message_count=len(chat.turns), last_message_at=last_at,
            negotiated_price=chat.negotiated_price, meeting_place=chat.meeting_place,
            meeting_time=chat.meeting_time, summary=chat.summary,
            detected_intent=next((t.intent for t in reversed(chat.turns) if t.intent), None),
        ))
        await self.session.flush()
        last_buyer_offer: Offer | None = None
        for number, turn in enumerate(chat.turns, start=1):
            self.add(self._message(conversation, chat_id, number, turn))
            if turn.offer and buyer and product:
                offer = self._offer(conversation, product, buyer, turn, last_buyer_offer)
                if turn.author == "buyer":
                    last_buyer_offer = offer
                await self.session.flush()
        if chat.reserves_product and product:
            # Through the status trigger, as the bot does: published -> reserved.
            product.status = ProductStatus.RESERVED
            product.reserved_until = self.now + timedelta(hours=SESSION_HOURS)
        self._session(chat, last_at, conversation)
        await self.session.flush()

    def _message(
        self, conversation: Conversation, chat_id: int, number: int, turn: SampleTurn
    ) -> Message:
        at = self.ago(turn.minutes_ago) + timedelta(seconds=number)  # keeps turns in order
        inbound = turn.author != "bot"
        amount = {"amount": str(turn.offer.amount)} if turn.offer else {}
        return Message(
            conversation_id=conversation.id, channel=Channel.TELEGRAM,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            author=Author(turn.author), external_message_id=f"sample:{chat_id}:{number}",
            message_type=MessageType(turn.message_type), text=turn.text, intent=turn.intent,
            entities=amount if inbound else {},
            buttons=[{"text": label, "callback_data": label.lower()} for label in turn.buttons],
            tool_calls=[{"name": turn.tool, "args": amount}] if turn.tool else [],
            latency_ms=None if inbound else 420, model=None if inbound else "offline-rules",
            processed_at=at + timedelta(seconds=1) if inbound else None,
            delivered_at=None if inbound else at + timedelta(seconds=1), created_at=at,
        )

    def _offer(
        self, conversation: Conversation, product: Product, buyer: Buyer, turn: SampleTurn,
        answers: Offer | None,
    ) -> Offer:
        assert turn.offer is not None
        made_at = self.ago(turn.minutes_ago)
        status = OfferStatus(turn.offer.status)
        return self.add(Offer(
            conversation_id=conversation.id, product_id=product.id, buyer_id=buyer.id,
            amount=turn.offer.amount, currency="EUR",
            made_by=OfferParty.BUYER if turn.author == "buyer" else OfferParty.BOT,
            status=status, responds_to_id=answers.id if turn.author == "bot" and answers else None,
            responded_at=None if status == OfferStatus.PENDING else made_at,
            expires_at=made_at + timedelta(hours=SESSION_HOURS),
            created_at=made_at, updated_at=made_at,
        ))

    def _session(self, chat: SampleChat, last_at: datetime, conversation: Conversation) -> None:
        buyer = self.buyers[chat.buyer] if chat.buyer else None
        started = self.ago(max(turn.minutes_ago for turn in chat.turns))
        self.add(BotSession(
            actor_kind=ActorKind.BUYER if buyer else ActorKind.SELLER,
            buyer_id=buyer.id if buyer else None,
            seller_id=None if buyer else self.sellers[chat.seller].id,
            channel=Channel.TELEGRAM, started_at=started, last_activity_at=last_at,
            expires_at=last_at + timedelta(hours=SESSION_HOURS),
            message_count=sum(1 for turn in chat.turns if turn.author != "bot"),
            state={"conversation_id": str(conversation.id)},
        ))


async def load_sample_data(
    factory: async_sessionmaker[AsyncSession],
    *,
    media_root: Path = DEFAULT_MEDIA_ROOT,
    now: datetime | None = None,
) -> SampleDataReport:
    """Insert the sample set unless it is already there; photos go under `media_root`."""
    writer: _Writer | None = None
    try:
        async with unit_of_work(factory, actor=SAMPLE_ACTOR) as session:
            existing = await count_sample_sellers(session)
            if existing:
                return SampleDataReport(inserted=False, existing_sellers=existing)
            writer = _Writer(session, media_root, now or datetime.now(UTC))
            await writer.people()
            await writer.catalog()
            for chat in CHATS:
                await writer.chat(chat)
    except BaseException:
        for folder in writer.photo_dirs if writer else []:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return SampleDataReport(inserted=True, counts=writer.counts)


def describe(report: SampleDataReport) -> str:
    """One line for the operator."""
    if not report.inserted:
        return (f"sample data already present ({report.existing_sellers} sample sellers found); "
                "nothing inserted")
    parts = ", ".join(f"{n} {table}" for table, n in report.counts.items())
    return f"sample data inserted: {parts}"

