"""Reservations: expiry through the jobs, and buyers waiting on a reserved product are told."""

from __future__ import annotations

from agents.jobs.scheduled import run_due_jobs
from storage.models import Product, ProductStatus
from tests.agents.conftest import Chat


async def test_expired_reservation_frees_product_and_tells_everyone(
        make_service, published_product, session_factory, settings, clock, session):
    product = await published_product(price="650", min_price="560")
    chat = Chat(make_service())
    await chat.send("buyer", 2501, "Hola", open_ref=product.public_ref, name="Luis")
    deal = await chat.send("buyer", 2501, "Te doy 650", name="Luis")
    assert "make_offer" in deal.tools
    waiting = await chat.send("buyer", 2502, "¿Sigue disponible?", open_ref=product.public_ref,
                              name="Eva")
    assert waiting.replies
    clock.advance(hours=settings.negotiation.reservation_minutes / 60 - 1)
    assert await run_due_jobs(session_factory, settings, clock()) == []
    clock.advance(hours=2)
    sent = await run_due_jobs(session_factory, settings, clock())
    by_chat = {(m.recipient, m.chat_id): m.text for m in sent}
    assert ("seller", "1001") in by_chat and ("buyer", "2501") in by_chat
    assert "650" in by_chat[("buyer", "2502")], "the waiting buyer hears it is on sale again"
    product = await session.get(Product, product.id, populate_existing=True)
    assert product.status is ProductStatus.PUBLISHED and product.reserved_until is None
