"""The expiry jobs on a database with data, driven by the injected clock: reservations and
offers nobody answered expire (both sides told), silent chats become abandoned."""

from __future__ import annotations

from datetime import timedelta

from agents.jobs.scheduled import (
    DUE_JOBS,
    expire_pending_offers,
    expire_unconfirmed_reservations,
    mark_abandoned_conversations,
    run_due_jobs,
)
from storage.models import (
    Channel,
    ConversationState,
    OfferParty,
    OfferStatus,
    ProductStatus,
)
from tests.marketplaces.ml_api import Clock


async def test_an_unconfirmed_reservation_expires_when_its_time_comes(
        session_factory, settings, session, rows, clock: Clock) -> None:
    seller = await rows.seller()
    buyer = await rows.buyer()
    product = await rows.product(seller, status=ProductStatus.RESERVED,
                                 reserved_until=clock.now + timedelta(hours=24))
    chat = await rows.chat(product, buyer)
    offer = await rows.offer(chat, "300", made_by=OfferParty.BUYER, status=OfferStatus.ACCEPTED,
                             created_at=clock.now, expires_at=clock.now + timedelta(hours=24))

    early = await expire_unconfirmed_reservations(session_factory, settings, clock())
    clock.advance(hours=24, minutes=1)
    sent = await expire_unconfirmed_reservations(session_factory, settings, clock())

    assert early == []
    assert sorted((m.recipient, m.chat_id) for m in sent) == [
        ("buyer", chat.external_chat_id), ("seller", str(seller.telegram_id))]
    assert all("caducado" in m.text for m in sent)
    session.expire_all()
    await session.refresh(offer)
    await session.refresh(product)
    assert (offer.status, product.status) == (OfferStatus.EXPIRED, ProductStatus.PUBLISHED)


async def test_unanswered_offers_expire_after_the_window_and_both_sides_hear(
        session_factory, settings, session, rows, clock: Clock) -> None:
    seller = await rows.seller(language="en")
    buyer = await rows.buyer()
    product = await rows.product(seller)
    chat = await rows.chat(product, buyer)
    window = timedelta(minutes=settings.negotiation.reservation_minutes)
    stale = await rows.offer(chat, "320", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                             created_at=clock.now - window - timedelta(minutes=1))
    fresh = await rows.offer(chat, "330", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                             created_at=clock.now - timedelta(hours=1))
    dated = await rows.offer(chat, "310", made_by=OfferParty.BUYER, status=OfferStatus.PENDING,
                             created_at=clock.now, expires_at=clock.now + timedelta(minutes=30))

    sent = await expire_pending_offers(session_factory, settings, clock())
    clock.advance(minutes=31)
    later = await expire_pending_offers(session_factory, settings, clock())

    assert [(m.recipient, m.channel) for m in sent] == [
        ("buyer", Channel.TELEGRAM), ("seller", Channel.TELEGRAM)]
    assert "320" in sent[0].text and "caducado" in sent[0].text  # the buyer reads Spanish
    assert "expired" in sent[1].text and "Luis" in sent[1].text  # the seller, English
    assert len(later) == 2 and "310" in later[0].text
    session.expire_all()
    for offer, status in ((stale, OfferStatus.EXPIRED), (fresh, OfferStatus.PENDING),
                          (dated, OfferStatus.EXPIRED)):
        await session.refresh(offer)
        assert offer.status is status


async def test_silence_past_the_setting_abandons_open_chats_only(
        session_factory, settings, session, rows, clock: Clock) -> None:
    seller = await rows.seller()
    product = await rows.product(seller)
    hours = settings.scheduler.abandon_after_hours
    silent = await rows.chat(product, await rows.buyer(), state=ConversationState.NEGOTIATING,
                             last_message_at=clock.now - timedelta(hours=hours, minutes=1))
    recent = await rows.chat(product, await rows.buyer(), state=ConversationState.EXPLORING,
                             last_message_at=clock.now - timedelta(hours=hours - 1))
    closed = await rows.chat(product, await rows.buyer(), state=ConversationState.CLOSED,
                             last_message_at=clock.now - timedelta(days=10))

    assert await mark_abandoned_conversations(session_factory, settings, clock()) == []

    session.expire_all()
    states = []
    for chat in (silent, recent, closed):
        await session.refresh(chat)
        states.append(chat.state)
    assert states == [ConversationState.ABANDONED, ConversationState.EXPLORING,
                      ConversationState.CLOSED]


async def test_moving_the_clock_runs_every_due_job(
        session_factory, settings, session, rows, clock: Clock) -> None:
    assert expire_unconfirmed_reservations in DUE_JOBS and expire_pending_offers in DUE_JOBS
    seller = await rows.seller()
    chat = await rows.chat(await rows.product(seller), await rows.buyer(),
                           last_message_at=clock.now)
    await rows.offer(chat, "320", made_by=OfferParty.BOT, status=OfferStatus.PENDING,
                     created_at=clock.now)

    assert await run_due_jobs(session_factory, settings, clock()) == []
    clock.advance(days=3)
    sent = await run_due_jobs(session_factory, settings, clock())

    assert {m.recipient for m in sent} == {"buyer", "seller"}
    session.expire_all()
    await session.refresh(chat)
    assert chat.state is ConversationState.ABANDONED
