"""The conversation service end to end with the offline model, on the real database.

A seller's sentence becomes a stored product with an active listing; a buyer's offers walk
through counter → accept → reservation with the seller notified; the seller confirms the sale.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from storage.models import (
    Listing,
    Message,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    ProductStatus,
)
from tests.agents.conftest import Chat


async def test_seller_sentence_becomes_product_with_active_listing(make_service, session):
    chat = Chat(make_service())
    result = await chat.send("seller", 1001, "Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
                             name="Ana")
    assert "create_product" in result.tools
    product = await session.scalar(select(Product).order_by(Product.created_at.desc()))
    assert product is not None and product.status is ProductStatus.READY
    assert product.price == Decimal("350")
    listing = await session.scalar(select(Listing).where(Listing.product_id == product.id,
                                                         Listing.is_active))
    assert listing is not None and "trek" in listing.title.lower()
    assert len(listing.description) >= 50
    assert 0 <= listing.confidence <= 1
    texts = " ".join(r.text for r in result.replies)
    assert "350" in texts
    buttons = [b.text for row in result.replies[0].buttons for b in row]
    assert "Publicar" in buttons


async def test_buyer_counter_accept_reserve_and_seller_confirms(
        make_service, published_product, session):
    product = await published_product()
    chat = Chat(make_service())
    hello = await chat.send("buyer", 2001, "Hola! Sigue disponible?", name="Luis",
                            open_ref=product.public_ref)
    # answered from the facts in the prompt's Context block: no tool call
    assert hello.tools == [] and "sigue disponible" in hello.replies[0].text

    offer = await chat.send("buyer", 2001, "Te doy 400 y lo recojo hoy", name="Luis")
    assert "make_offer" in offer.tools
    offers = (await session.scalars(select(Offer).order_by(Offer.created_at))).all()
    buyer_offer = [o for o in offers if o.made_by is OfferParty.BUYER][-1]
    counter = [o for o in offers if o.made_by is OfferParty.BOT][-1]
    assert buyer_offer.amount == Decimal("400")
    assert buyer_offer.status is OfferStatus.COUNTERED
    assert counter.status is OfferStatus.PENDING and counter.amount >= Decimal("560")
    reply = " ".join(r.text for r in offer.replies)
    assert str(int(counter.amount)) in reply and "560" not in reply

    deal = await chat.send("buyer", 2001, "Vale, acepto", name="Luis")
    assert "accept_counter" in deal.tools
    product = await session.get(Product, product.id, populate_existing=True)
    assert product.status is ProductStatus.RESERVED
    assert deal.deliveries, "the seller is told about the deal"
    note = deal.deliveries[0]
    assert note.recipient == "seller" and note.chat_id == "1001"
    confirm = next(b for row in note.buttons for b in row if b.callback_data.startswith("sale:c"))

    done = await chat.send("seller", 1001, "", name="Ana", callback=confirm.callback_data)
    product = await session.get(Product, product.id, populate_existing=True)
    assert product.status is ProductStatus.SOLD
    assert product.sold_price == counter.amount
    assert any(d.recipient == "buyer" for d in done.deliveries)


async def test_redelivered_update_is_answered_once(make_service, published_product, session):
    product = await published_product()
    chat = Chat(make_service())
    first = await chat.send("buyer", 2002, "Hola", open_ref=product.public_ref,
                            message_id="2002:7")
    again = await chat.send("buyer", 2002, "Hola", open_ref=product.public_ref,
                            message_id="2002:7")
    assert first.replies and not again.replies and again.duplicate
    replies = await session.scalar(select(func.count()).select_from(Message)
                                   .where(Message.reply_to_id == first.inbound_id))
    assert replies == 1


async def test_inbound_left_unanswered_by_a_crash_is_answered_on_restart(
        make_service, published_product, session):
    product = await published_product()
    service = make_service()
    from agents.conversation.conversation_service import InboundEvent, Sender
    from storage.models import Channel

    event = InboundEvent(channel=Channel.TELEGRAM, chat_id="2003", external_message_id="2003:1",
                         role="buyer", sender=Sender(name="Eva", telegram_id=2003),
                         text="¿Sigue disponible?", open_product_ref=product.public_ref)
    inbound_id, fresh, _ = await service.store_inbound(event)  # then the process "dies"
    assert fresh
    recovered = await service.retry_unprocessed()
    assert [r.inbound_id for r in recovered] == [inbound_id]
    assert recovered[0].replies
    again = await service.handle(event)  # Telegram redelivers after the restart
    assert again.duplicate and not again.replies
    stored = await session.get(Message, inbound_id)
    assert stored is not None and stored.processed_at is not None
