"""Housekeeping jobs on data, at the injected time: stale sessions deleted, idle conversations
archived (storage/maintenance.py underneath), trust scores recomputed, the daily digest."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from agents.buyer_trust import BuyerRecord, trust_score
from agents.fraud_signals import FraudKind
from agents.housekeeping_jobs import (
    archive_idle_conversations,
    clean_bot_sessions,
    recompute_trust_scores,
)
from agents.jobs import NO_DEPS, JobDeps
from agents.seller_digest import send_seller_digests
from storage.database import create_engine, create_session_factory
from storage.models import (
    ActorKind,
    BotSession,
    Channel,
    Conversation,
    ConversationKind,
    ConversationStatus,
    OfferParty,
    OfferStatus,
    ProductStatus,
    Seller,
)
from tests.marketplaces.ml_api import Clock


async def test_stale_sessions_go_and_idle_conversations_are_archived(
        fresh_database: str, settings, clock: Clock) -> None:
    engine = create_engine(fresh_database)
    factory = create_session_factory(engine)
    now = clock()
    days = settings.scheduler
    try:
        async with factory() as session, session.begin():
            seller = Seller(telegram_id=6501, name="Ana")
            session.add(seller)
            await session.flush()
            for idle in (days.session_cleanup_days + 1, days.session_cleanup_days - 1):
                started = now - timedelta(days=idle + 1)
                session.add(BotSession(actor_kind=ActorKind.SELLER, seller_id=seller.id,
                                       channel=Channel.TELEGRAM, started_at=started,
                                       last_activity_at=now - timedelta(days=idle),
                                       expires_at=now))
            for number, idle in enumerate((days.archive_after_days + 1,
                                           days.archive_after_days - 1)):
                session.add(Conversation(
                    channel=Channel.TELEGRAM, external_chat_id=f"chat-{number}",
                    kind=ConversationKind.SELLER_ASSISTANT, seller_id=seller.id,
                    last_message_at=now - timedelta(days=idle)))

        deps = JobDeps(engine=engine)
        assert await clean_bot_sessions(factory, settings, now, deps) == []
        assert await archive_idle_conversations(factory, settings, now, deps) == []

        async with factory() as session:
            kept = (await session.scalars(select(BotSession.last_activity_at))).all()
            statuses = dict((await session.execute(select(
                Conversation.external_chat_id, Conversation.status))).all())
        assert kept == [now - timedelta(days=days.session_cleanup_days - 1)]
        assert statuses == {"chat-0": ConversationStatus.ARCHIVED,
                            "chat-1": ConversationStatus.ACTIVE}
    finally:
        await engine.dispose()


async def test_trust_scores_are_recomputed_from_the_record(
        session_factory, settings, session, rows, clock: Clock) -> None:
    seller = await rows.seller()
    product = await rows.product(seller)
    loyal = await rows.buyer(purchase_count=2, is_verified=True, trust_score=Decimal("0.5"))
    scammer = await rows.buyer(trust_score=Decimal("0.5"))
    quiet = await rows.buyer(trust_score=Decimal("0.9"), conversation_count=7)
    await rows.chat(product, loyal)
    await rows.chat(await rows.product(seller), loyal)
    await rows.chat(product, scammer, flagged=True, fraud_signals=[
        FraudKind.OFF_PLATFORM_PAYMENT.value, FraudKind.ASKS_PHONE.value,
        FraudKind.CARD_DETAILS.value])

    assert await recompute_trust_scores(session_factory, settings, clock(), NO_DEPS) == []

    session.expire_all()
    figures = []
    for buyer in (loyal, scammer, quiet):
        await session.refresh(buyer)
        figures.append((buyer.trust_score, buyer.is_blocked, buyer.conversation_count))
    # The score falls; the block is the sellers' (their chats), not the recompute's.
    assert figures == [(Decimal("0.80"), False, 2), (Decimal("0.00"), False, 1),
                       (Decimal("0.50"), False, 0)]


@given(purchases=st.integers(0, 50), verified=st.booleans(),
       kinds=st.lists(st.sampled_from([k.value for k in FraudKind]), max_size=6))
def test_trust_score_stays_in_range_and_fraud_only_lowers_it(
        purchases: int, verified: bool, kinds: list[str]) -> None:
    clean = trust_score(BuyerRecord(purchases, verified, ()))
    marked = trust_score(BuyerRecord(purchases, verified, tuple(kinds)))
    assert Decimal(0) <= marked.score <= clean.score <= Decimal(1)
    assert not clean.blocked
    assert trust_score(BuyerRecord(purchases, verified, (), blocked=True)).blocked


async def test_each_seller_gets_one_digest_a_day_with_the_days_figures(
        session_factory, settings, session, rows, clock: Clock) -> None:
    now = clock()
    busy = await rows.seller()
    idle = await rows.seller()
    await rows.product(idle, status=ProductStatus.DRAFT)
    on_sale = await rows.product(busy, views_count=41)
    sold = await rows.product(busy, status=ProductStatus.SOLD, views_count=1,
                              sold_price=Decimal("300"), sold_at=now - timedelta(hours=3))
    today = await rows.chat(on_sale, await rows.buyer(), created_at=now - timedelta(hours=2))
    await rows.chat(sold, await rows.buyer(), created_at=now - timedelta(days=2))
    await rows.offer(today, "280", made_by=OfferParty.BUYER, status=OfferStatus.REJECTED,
                     created_at=now - timedelta(hours=1))
    await rows.offer(today, "320", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                     created_at=now - timedelta(hours=1))

    sent = await send_seller_digests(session_factory, settings, now, NO_DEPS)
    again = await send_seller_digests(session_factory, settings, now + timedelta(hours=1),
                                      NO_DEPS)

    assert [m.chat_id for m in sent] == [str(busy.telegram_id)]
    assert sent[0].text.splitlines()[1:] == [
        "👀 Visitas: 42", "💬 Conversaciones nuevas: 1", "💰 Ofertas: 1",
        "✅ Ventas: 1 (300 €)"]
    assert again == []
    tomorrow = await send_seller_digests(session_factory, settings, now + timedelta(days=1),
                                         NO_DEPS)
    assert [m.chat_id for m in tomorrow] == [str(busy.telegram_id)]
