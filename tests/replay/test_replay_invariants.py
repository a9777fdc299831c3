"""The built-in invariants catch what they promise to catch, on data written to break them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.replay.delivery import _check_inbound, _check_outbound
from bot.devtools.replay.invariants import InvariantWatch, figures
from config.settings import Settings
from storage.database import unit_of_work
from storage.models import (
    Author,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    ProductStatus,
    Seller,
)


@dataclass
class Chat:
    product: Product
    buyer: Buyer
    conversation: Conversation


@pytest.fixture
async def chat(session_factory: async_sessionmaker[AsyncSession]) -> Chat:
    async with unit_of_work(session_factory) as session:
        seller = Seller(telegram_id=91001, name="Ana", language="es")
        buyer = Buyer(telegram_id=92001, name="Luis", language="es")
        session.add_all([seller, buyer])
        await session.flush()
        product = Product(seller_id=seller.id, status=ProductStatus.PUBLISHED, title="iPhone 13",
                          description="x" * 60, price=Decimal(650), min_price=Decimal(560))
        session.add(product)
        await session.flush()
        conversation = Conversation(channel=Channel.TELEGRAM, external_chat_id="92001",
                                    kind=ConversationKind.BUYER_CHAT, product_id=product.id,
                                    buyer_id=buyer.id, seller_id=seller.id)
        session.add(conversation)
        await session.flush()
        return Chat(product, buyer, conversation)


async def add_offer(factory: async_sessionmaker[AsyncSession], chat: Chat, amount: int,
                    made_by: OfferParty, status: OfferStatus,
                    responds_to: Offer | None = None) -> Offer:
    async with unit_of_work(factory) as session:
        offer = Offer(conversation_id=chat.conversation.id, product_id=chat.product.id,
                      buyer_id=chat.buyer.id, amount=Decimal(amount), made_by=made_by,
                      status=status, responds_to_id=responds_to.id if responds_to else None)
        session.add(offer)
        return offer


async def say_to_buyer(factory: async_sessionmaker[AsyncSession], chat: Chat, text: str) -> None:
    async with unit_of_work(factory) as session:
        session.add(Message(conversation_id=chat.conversation.id, channel=Channel.TELEGRAM,
                            direction=Direction.OUTBOUND, author=Author.BOT, text=text))


def keys(failures: list) -> list[str]:
    return [failure.key for failure in failures]


async def test_1_accepted_offer_or_counter_below_the_floor(session_factory, settings: Settings,
                                                           chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    await add_offer(session_factory, chat, 600, OfferParty.BUYER, OfferStatus.ACCEPTED)
    assert await watch.after_turn(1, 0) == []
    await add_offer(session_factory, chat, 550, OfferParty.BOT, OfferStatus.PENDING)
    await add_offer(session_factory, chat, 500, OfferParty.BUYER, OfferStatus.COUNTERED)
    failures = await watch.after_turn(2, 0)
    assert keys(failures) == ["invariant 1"]
    assert "bot counter-offer of 550.00" in failures[0].message
    assert "below the floor 560" in failures[0].message


async def test_2_counters_never_rise_and_beat_the_offer_they_answer(
        session_factory, settings: Settings, chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    first = await add_offer(session_factory, chat, 400, OfferParty.BUYER, OfferStatus.COUNTERED)
    await add_offer(session_factory, chat, 620, OfferParty.BOT, OfferStatus.REJECTED, first)
    assert await watch.counters() == []
    second = await add_offer(session_factory, chat, 630, OfferParty.BUYER, OfferStatus.COUNTERED)
    await add_offer(session_factory, chat, 625, OfferParty.BOT, OfferStatus.PENDING, second)
    messages = [failure.message for failure in await watch.counters()]
    assert any("rose from 620.00 to 625.00" in message for message in messages)
    assert any("countered 630.00 with 625.00" in message for message in messages)


async def test_3_the_floor_figure_in_a_message_to_the_buyer(session_factory, settings: Settings,
                                                            chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    await say_to_buyer(session_factory, chat, "Lo mínimo que acepta es 560 €, ni un euro menos.")
    failures = await watch.after_turn(1, 0)
    assert keys(failures) == ["invariant 3"]
    assert "shows the floor 560" in failures[0].message


async def test_3_allows_the_floor_once_it_is_an_offer_of_the_chat(
        session_factory, settings: Settings, chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    await add_offer(session_factory, chat, 560, OfferParty.BUYER, OfferStatus.COUNTERED)
    await say_to_buyer(session_factory, chat, "No puedo dejarlo en 560,00 €.")
    assert await watch.after_turn(1, 0) == []


async def test_5_a_buyer_turn_changing_price_or_title(session_factory, settings: Settings,
                                                      chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    async with unit_of_work(session_factory, actor=f"buyer:{chat.buyer.id}") as session:
        product = await session.get(Product, chat.product.id)
        assert product is not None
        product.price, product.title = Decimal(600), "Regalado"
    failures = await watch.after_turn(1, 0)
    assert keys(failures) == ["invariant 5"]
    assert "price 650.0 → 600.0" in failures[0].message, failures[0].message
    assert "title 'iPhone 13' → 'Regalado'" in failures[0].message


async def test_5_reserving_through_an_accepted_offer_is_allowed(
        session_factory, settings: Settings, chat: Chat) -> None:
    watch = InvariantWatch(session_factory, settings)
    await add_offer(session_factory, chat, 650, OfferParty.BUYER, OfferStatus.ACCEPTED)
    async with unit_of_work(session_factory, actor=f"buyer:{chat.buyer.id}") as session:
        product = await session.get(Product, chat.product.id)
        assert product is not None
        product.status = ProductStatus.RESERVED
    assert await watch.after_turn(1, 0) == []
    async with unit_of_work(session_factory, actor=f"buyer:{chat.buyer.id}") as session:
        product = await session.get(Product, chat.product.id)
        assert product is not None
        product.status = ProductStatus.SOLD  # a buyer's turn may never sell it
    assert keys(await watch.after_turn(2, 0)) == ["invariant 5"]


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("Te lo dejo en 605 €", {Decimal(605)}, {Decimal(560)}),
    ("€1,200 or 1.200 €", {Decimal(1200)}, {Decimal(200)}),
    ("560,00 €", {Decimal(560)}, set()),
    ("5600 or 15601", {Decimal(5600)}, {Decimal(560)}),
    ("a las 18:00", {Decimal(18)}, {Decimal(1800)}),
])
def test_figures_reads_amounts_as_people_write_them(text: str, present: set[Decimal],
                                                    absent: set[Decimal]) -> None:
    found = figures(text)
    assert present <= found and not absent & found


def test_4_inbound_missing_duplicated_or_out_of_order() -> None:
    pushed = [(1, "1:1"), (1, "1:3"), (1, "cb:9")]
    assert _check_inbound([("1", "1:1"), ("1", "1:3"), ("1", "cb:9")], pushed) == []
    missing = _check_inbound([("1", "1:1"), ("1", "cb:9")], pushed)
    assert [f.message for f in missing] == ["inbound 1:3 (chat 1) is stored 0 times, not once"]
    extra = _check_inbound([("1", "1:1"), ("1", "1:3"), ("1", "cb:9"), ("1", "1:7")], pushed)
    assert "1:7 (chat 1) is stored but the server never received it" in extra[0].message
    swapped = _check_inbound([("1", "1:3"), ("1", "1:1"), ("1", "cb:9")], pushed)
    assert "stored in another order" in swapped[0].message


def test_4_outbound_unsent_unstored_or_split() -> None:
    sent = [(1, 2, "hola"), (1, 4, "adiós")]
    assert _check_outbound([("1", "1:2", "hola"), ("1", "1:4", "adiós")], sent, []) == []
    apology = _check_outbound([("1", "1:2", "hola")], sent, [])
    assert "sent message 1:4 that is not stored" in apology[0].message
    unsent = _check_outbound([("1", "1:2", "hola"), ("1", None, "never")], sent[:1], [])
    assert "stored but was never sent" in unsent[0].message
    long_reply = "palabra " * 700  # two Telegram messages, one stored reply
    assert _check_outbound([("1", "1:2", long_reply)],
                           [(1, 2, "parte 1"), (1, 3, "parte 2")], []) == []
    edited = _check_outbound([("1", "1:2", "hola")], sent[:1], [(1, 9)])
    assert "edited message 1:9" in edited[0].message
