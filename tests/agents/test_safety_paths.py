"""Fraud signals, blocked buyers, human takeover and seller buttons through the service."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from storage.models import (
    Buyer,
    Conversation,
    ConversationStatus,
    Listing,
    Product,
    ProductStatus,
)
from tests.agents.conftest import Chat


async def test_a_strong_signal_closes_the_chat_and_the_seller_can_reopen_it(
        make_service, published_product, session):
    product = await published_product()
    chat = Chat(make_service())
    await chat.send("buyer", 2401, "Hola", open_ref=product.public_ref, name="Scam")
    result = await chat.send("buyer", 2401, "Te pago por Western Union y mi mensajero lo recoge",
                             name="Scam")
    assert result.tools == ["fraud_guard"]
    assert result.replies and "560" not in result.replies[0].text
    [notice] = result.deliveries
    assert notice.recipient == "seller" and notice.text.startswith("⛔")
    assert "advance_payment" not in notice.text and "Western Union" in notice.text
    conversation = await session.get(Conversation, result.conversation_id,
                                     populate_existing=True)
    assert conversation.flagged and conversation.status is ConversationStatus.BLOCKED
    assert conversation.fraud_signals == ["advance_payment", "courier_pickup"]
    buyer = await session.scalar(select(Buyer).where(Buyer.telegram_id == 2401))
    assert buyer.trust_score < Decimal("0.5") and not buyer.is_blocked  # the seller's block
    silent = await chat.send("buyer", 2401, "¿Sigue disponible?", name="Scam")
    assert not silent.replies and not silent.duplicate and silent.inbound_id is not None

    [[unblock]] = notice.buttons
    other = await chat.send("seller", 1102, "", callback=unblock.callback_data, name="Eve")
    conversation = await session.get(Conversation, result.conversation_id,
                                     populate_existing=True)
    assert other.tools == [] and conversation.status is ConversationStatus.BLOCKED, \
        "another seller's press does nothing"
    reopened = await chat.send("seller", 1001, "", callback=unblock.callback_data, name="Ana")
    assert reopened.tools == ["unblock_buyer"]
    assert [d.recipient for d in reopened.deliveries] == ["buyer"]
    conversation = await session.get(Conversation, result.conversation_id,
                                     populate_existing=True)
    assert conversation.status is ConversationStatus.ACTIVE
    assert conversation.fraud_signals[-1] == "unblocked_by_seller"
    answered = await chat.send("buyer", 2401, "¿Sigue disponible?", name="Scam")
    assert answered.replies


async def test_a_soft_signal_warns_and_the_chat_goes_on(make_service, published_product,
                                                        session):
    product = await published_product()
    chat = Chat(make_service())
    await chat.send("buyer", 2404, "Hola", open_ref=product.public_ref, name="Rosa")
    warned = await chat.send("buyer", 2404, "¿Te puedo pagar por PayPal amigos y familia?",
                             name="Rosa")
    assert warned.tools == ["fraud_guard"] and warned.deliveries[0].text.startswith("⚠️")
    conversation = await session.get(Conversation, warned.conversation_id,
                                     populate_existing=True)
    assert conversation.status is ConversationStatus.ACTIVE
    assert (await chat.send("buyer", 2404, "¿Sigue disponible?", name="Rosa")).replies


async def test_blocked_buyer_is_told_once_and_the_message_is_stored(
        make_service, published_product, session):
    product = await published_product()
    chat = Chat(make_service())
    await chat.send("buyer", 2402, "Hola", open_ref=product.public_ref)
    buyer = await session.scalar(select(Buyer).where(Buyer.telegram_id == 2402))
    buyer.is_blocked = True
    await session.commit()
    told = await chat.send("buyer", 2402, "Te doy 100")
    assert told.inbound_id is not None and told.tools == ["chat_closed"]
    assert "cerrado" in told.replies[0].text
    result = await chat.send("buyer", 2402, "Te doy 100 ya")
    assert result.inbound_id is not None and not result.replies and not result.tools


async def test_takeover_relays_buyer_to_seller_and_seller_to_buyer(make_service,
                                                                   published_product, session):
    product = await published_product()
    chat = Chat(make_service())
    await chat.send("buyer", 2403, "Hola", open_ref=product.public_ref, name="Luis")
    question = await chat.send("buyer", 2403, "¿Tiene la garantía de Apple todavía?",
                               name="Luis")
    assert "ask_seller" in question.tools
    note = question.deliveries[0]
    take = next(b for row in note.buttons for b in row if b.callback_data.startswith("takeover"))
    taken = await chat.send("seller", 1001, "", callback=take.callback_data, name="Ana")
    assert taken.replies
    relayed = await chat.send("buyer", 2403, "¿Hola?", name="Luis")
    assert not relayed.replies, "the agent stays quiet during a takeover"
    assert relayed.deliveries and relayed.deliveries[0].recipient == "seller"
    from agents.conversation_service import InboundEvent, Sender
    from storage.models import Channel

    answer = await chat.service.handle(InboundEvent(
        channel=Channel.TELEGRAM, chat_id="1001", external_message_id="1001:99", role="seller",
        sender=Sender(name="Ana", telegram_id=1001), text="Sí, hasta marzo.",
        relay_to=str(taken.conversation_id if False else relayed.conversation_id)))
    assert answer.deliveries and answer.deliveries[0].recipient == "buyer"
    assert "hasta marzo" in answer.deliveries[0].text
    back = f"takeover:handback:{relayed.conversation_id}"
    await chat.send("seller", 1001, "", callback=back, name="Ana")
    conversation = await session.get(Conversation, relayed.conversation_id,
                                     populate_existing=True)
    assert conversation.human_takeover is False


async def test_seller_buttons_publish_and_regenerate(make_service, session):
    chat = Chat(make_service())
    created = await chat.send("seller", 1101, "Vendo sofá de 3 plazas IKEA, gris, 120€",
                              name="Ana")
    product = await session.scalar(select(Product).order_by(Product.created_at.desc()))
    regen = await chat.send("seller", 1101, "", callback=f"listing:regenerate:{product.id}")
    versions = (await session.scalars(select(Listing.version).where(
        Listing.product_id == product.id))).all()
    assert sorted(versions) == [1, 2] and regen.replies
    published = await chat.send("seller", 1101, "", callback=f"listing:publish:{product.id}")
    product = await session.get(Product, product.id, populate_existing=True)
    assert product.status is ProductStatus.PUBLISHED and product.listed_at is not None
    assert published.tools[0] == "publish_product" and created.replies
    other = await chat.send("seller", 1102, "", callback=f"listing:cancel:{product.id}")
    product = await session.get(Product, product.id, populate_existing=True)
    assert product.status is ProductStatus.PUBLISHED, "another seller's button does nothing"
    assert other.replies
