"""The schema refuses what it guards: CHECKs, partial unique indexes, unique keys, FK actions.

Each refusal asserts the constraint's name, so a row refused for another reason fails the test.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ActorKind,
    BotSession,
    Buyer,
    Conversation,
    ConversationKind,
    Listing,
    Message,
    Offer,
    OfferStatus,
    Product,
    ProductImage,
    Publication,
    Seller,
)

# --- products: price and floor ----------------------------------------------------------------


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-0.01"), Decimal("-350")])
async def test_price_must_be_positive(make_product, refused, price):
    async with refused("ck_products_price_positive"):
        await make_product(price=price, min_price=None)


async def test_min_price_within_price(make_product, refused):
    async with refused("ck_products_min_price_within_price"):
        await make_product(price=Decimal("350"), min_price=Decimal("350.01"))
    async with refused("ck_products_min_price_within_price"):
        await make_product(price=None, min_price=Decimal("300"))
    async with refused("ck_products_min_price_within_price"):
        await make_product(price=Decimal("350"), min_price=Decimal("0"))
    # The floor may equal the asking price, and a product may have no price yet.
    assert (await make_product(price=Decimal("350"), min_price=Decimal("350"))).min_price == 350
    assert (await make_product(price=None, min_price=None)).price is None


async def test_lowering_price_under_floor_is_refused(session: AsyncSession, make_product, refused):
    product = await make_product(price=Decimal("350"), min_price=Decimal("300"))
    async with refused("ck_products_min_price_within_price"):
        await session.execute(
            update(Product).where(Product.id == product.id).values(price=Decimal("299.99"))
        )


async def test_product_title_length(make_product, refused):
    for title in ("x" * 121, "   ", ""):
        async with refused("ck_products_title_length"):
            await make_product(title=title)
    assert len((await make_product(title="x" * 120)).title) == 120


# --- listings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "x" * 9,
        "x" * 61,
        "   " + "x" * 9 + "   ",  # padding does not count towards the 10 characters
        " " * 12,
    ],
    ids=["9-chars", "61-chars", "padded-9", "blank"],
)
async def test_listing_title_length(make_listing, refused, title):
    async with refused("ck_listings_title_length"):
        await make_listing(title=title)


async def test_listing_title_bounds_pass(make_product, make_listing):
    product = await make_product()
    assert (await make_listing(product, version=1, title="x" * 10)).title == "x" * 10
    assert (await make_listing(product, version=2, title="y" * 60)).title == "y" * 60


async def test_listing_description_at_least_50(make_listing, refused):
    async with refused("ck_listings_description_length"):
        await make_listing(description="d" * 49)
    async with refused("ck_listings_description_length"):
        await make_listing(description="  " + "d" * 49 + "  ")
    assert len((await make_listing(description="d" * 50)).description) == 50


@pytest.mark.parametrize("confidence", [Decimal("-0.01"), Decimal("1.01")])
async def test_listing_confidence_range(make_listing, refused, confidence):
    async with refused("ck_listings_confidence_range"):
        await make_listing(confidence=confidence)


async def test_listing_confidence_bounds_pass(make_product, make_listing):
    product = await make_product()
    assert (await make_listing(product, version=1, confidence=Decimal("0"))).confidence == 0
    assert (await make_listing(product, version=2, confidence=Decimal("1"))).confidence == 1


async def test_one_active_listing_and_unique_versions(make_product, make_listing, refused):
    product = await make_product()
    await make_listing(product, version=1, is_active=True)
    async with refused("uq_listings_one_active"):
        await make_listing(product, version=2, is_active=True)
    await make_listing(product, version=2, is_active=False)
    async with refused("uq_listings_product_id_version"):
        await make_listing(product, version=2, is_active=False)
    async with refused("ck_listings_version_positive"):
        await make_listing(product, version=0)
    # Another product has its own version 1 and its own active listing.
    await make_listing(await make_product(), version=1, is_active=True)


# --- images -------------------------------------------------------------------------------------


async def test_one_primary_image_per_product(make_product, make_image, refused):
    product = await make_product()
    await make_image(product, is_primary=True)
    async with refused("uq_product_images_one_primary"):
        await make_image(product, is_primary=True, position=1)
    await make_image(product, is_primary=False, position=1)
    await make_image(product, is_primary=False, position=2)
    await make_image(await make_product(), is_primary=True)


async def test_image_needs_a_source(make_image, refused):
    async with refused("ck_product_images_has_source"):
        await make_image(telegram_file_id=None, storage_key=None)


# --- offers -------------------------------------------------------------------------------------


async def test_one_accepted_offer_per_product(
    make_conversation, make_product, make_offer, refused
):
    product = await make_product()
    first, second = await make_conversation(product), await make_conversation(product)
    await make_offer(first, status=OfferStatus.ACCEPTED)
    async with refused("uq_offers_one_accepted"):
        await make_offer(second, status=OfferStatus.ACCEPTED)
    # Other statuses on the same product, and an accepted offer on another product, pass.
    await make_offer(second, status=OfferStatus.REJECTED)
    await make_offer(second, status=OfferStatus.PENDING)
    await make_offer(await make_conversation(await make_product()), status=OfferStatus.ACCEPTED)


async def test_offer_amount_positive(make_offer, refused):
    async with refused("ck_offers_amount_positive"):
        await make_offer(amount=Decimal("0"))


# --- buyers -------------------------------------------------------------------------------------


async def test_buyer_needs_an_identity(make_buyer, refused):
    async with refused("ck_buyers_has_identity"):
        await make_buyer(telegram_id=None, marketplace="mercadolibre", marketplace_user_id=None)
    assert (await make_buyer(telegram_id=None, marketplace="mercadolibre",
                             marketplace_user_id="ML-1")).telegram_id is None


@pytest.mark.parametrize("score", [Decimal("-0.01"), Decimal("1.01")])
async def test_buyer_trust_score_range(make_buyer, refused, score):
    async with refused("ck_buyers_trust_score_range"):
        await make_buyer(trust_score=score)


async def test_buyer_identities_unique(make_buyer, refused):
    buyer = await make_buyer(marketplace="mercadolibre", marketplace_user_id="ML-7")
    async with refused("uq_buyers_telegram_id"):
        await make_buyer(telegram_id=buyer.telegram_id)
    async with refused("uq_buyers_marketplace_marketplace_user_id"):
        await make_buyer(marketplace="mercadolibre", marketplace_user_id="ML-7")


# --- bot sessions -------------------------------------------------------------------------------


async def test_bot_session_actor_matches_kind(make_seller, make_buyer, make_bot_session, refused):
    seller, buyer = await make_seller(), await make_buyer()
    mismatches = [
        {"actor_kind": ActorKind.SELLER, "buyer_id": buyer.id},
        {"actor_kind": ActorKind.BUYER, "seller_id": seller.id},
        {"actor_kind": ActorKind.SELLER, "seller_id": seller.id, "buyer_id": buyer.id},
        {"actor_kind": ActorKind.BUYER, "seller_id": seller.id, "buyer_id": buyer.id},
        {"actor_kind": ActorKind.BUYER, "seller_id": None, "buyer_id": None},
    ]
    for values in mismatches:
        async with refused("ck_bot_sessions_actor_matches_kind"):
            await make_bot_session(**values)
    await make_bot_session(actor_kind=ActorKind.SELLER, seller_id=seller.id)
    await make_bot_session(actor_kind=ActorKind.BUYER, buyer_id=buyer.id)


# --- conversations and messages -----------------------------------------------------------------


async def test_duplicate_message_per_channel_refused(make_conversation, make_message, refused):
    conversation = await make_conversation()
    await make_message(conversation, external_message_id="tg-42")
    async with refused("uq_messages_channel_external_message_id"):
        await make_message(conversation, external_message_id="tg-42")
    # Outbound messages without an external id yet are not duplicates of each other.
    await make_message(conversation, external_message_id=None)
    await make_message(conversation, external_message_id=None)


async def test_message_seq_is_strictly_increasing(make_conversation, make_message):
    conversation = await make_conversation()
    seqs = [(await make_message(conversation)).seq for _ in range(3)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


async def test_buyer_chat_needs_a_buyer(make_product, make_buyer, make_conversation, refused):
    product, buyer = await make_product(), await make_buyer()
    async with refused("ck_conversations_buyer_chat_has_buyer"):
        await make_conversation(product, buyer, buyer_id=None)
    async with refused("ck_conversations_buyer_chat_has_buyer"):
        await make_conversation(product, buyer, buyer_id=None, product_id=None)
    # A buyer may talk before naming a product (no deep link yet): one such chat per chat id.
    chat = {"external_chat_id": "buyer-chat-1", "product_id": None}
    assert (await make_conversation(product, buyer, **chat)).product_id is None
    async with refused("uq_conversations_channel_external_chat_id_kind_product_id"):
        await make_conversation(product, buyer, **chat)


async def test_seller_assistant_needs_seller_and_is_unique_per_chat(
    make_seller, make_conversation, refused
):
    seller = await make_seller()
    assistant = {"kind": ConversationKind.SELLER_ASSISTANT, "external_chat_id": "chat-1"}
    async with refused("ck_conversations_assistant_has_seller"):
        await make_conversation(**assistant)
    await make_conversation(**assistant, seller_id=seller.id)
    # NULL product is not distinct: the same chat cannot open a second assistant conversation.
    async with refused("uq_conversations_channel_external_chat_id_kind_product_id"):
        await make_conversation(**assistant, seller_id=seller.id)


# --- foreign keys -------------------------------------------------------------------------------


# confdeltype: c = CASCADE, n = SET NULL. Every foreign key of the schema is listed here, so a new
# one must state how it behaves on delete.
EXPECTED_ON_DELETE = {
    "fk_bot_sessions_buyer_id_buyers": "c",
    "fk_bot_sessions_seller_id_sellers": "c",
    "fk_conversations_buyer_id_buyers": "c",
    "fk_conversations_product_id_products": "c",
    "fk_conversations_seller_id_sellers": "c",
    "fk_listings_product_id_products": "c",
    "fk_marketplace_credentials_seller_id_sellers": "c",
    "fk_messages_conversation_id_conversations": "c",
    "fk_messages_reply_to_id_messages": "n",
    "fk_offers_buyer_id_buyers": "c",
    "fk_offers_conversation_id_conversations": "c",
    "fk_offers_product_id_products": "c",
    "fk_offers_responds_to_id_offers": "n",
    "fk_product_images_product_id_products": "c",
    "fk_products_seller_id_sellers": "c",
    "fk_publications_product_id_products": "c",
    "fk_turn_effects_inbound_id_messages": "c",
}


async def test_foreign_key_delete_actions(sql):
    rows = (await sql(
        "SELECT conname, confdeltype::text FROM pg_constraint WHERE contype = 'f' "
        "AND connamespace = 'public'::regnamespace"
    )).all()
    assert dict(rows) == EXPECTED_ON_DELETE


async def _count(session: AsyncSession, model: type, **where: uuid.UUID) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return (await session.execute(query)).scalar_one()


async def test_deleting_a_seller_removes_everything_of_theirs(
    session: AsyncSession, make_seller, make_product, make_image, make_listing,
    make_conversation, make_message, make_offer, make_bot_session, make_credential,
):
    seller = await make_seller()
    product = await make_product(seller)
    await make_image(product, is_primary=True)
    await make_listing(product, is_active=True)
    chat = await make_conversation(product)
    await make_message(chat)
    await make_offer(chat)
    await make_conversation(kind=ConversationKind.SELLER_ASSISTANT, seller_id=seller.id)
    await make_bot_session(seller_id=seller.id)
    await make_credential(seller)
    session.add(Publication(product_id=product.id, marketplace="catalog"))
    other = await make_product()  # another seller's product is untouched
    await make_image(other)

    await session.execute(delete(Seller).where(Seller.id == seller.id))

    for model in (ProductImage, Listing, Offer, Publication):
        assert await _count(session, model, product_id=product.id) == 0, model
    assert await _count(session, Product, seller_id=seller.id) == 0
    assert await _count(session, Conversation, seller_id=seller.id) == 0
    assert await _count(session, Message, conversation_id=chat.id) == 0
    assert await _count(session, BotSession, seller_id=seller.id) == 0
    # The buyer is someone else's customer too: it stays.
    assert await _count(session, Buyer, id=chat.buyer_id) == 1
    assert await _count(session, ProductImage, product_id=other.id) == 1


async def test_deleting_a_product_keeps_people_and_other_products(
    session: AsyncSession, sql, make_seller, make_product, make_image, make_conversation,
    make_message, make_offer,
):
    seller = await make_seller()
    product, kept = await make_product(seller), await make_product(seller)
    await make_image(product)
    chat, kept_chat = await make_conversation(product), await make_conversation(kept)
    question = await make_message(chat)
    reply_elsewhere = await make_message(kept_chat, reply_to_id=question.id)
    offer = await make_offer(chat)
    counter = await make_offer(kept_chat, responds_to_id=offer.id)
    assistant = await make_conversation(kind=ConversationKind.SELLER_ASSISTANT,
                                        seller_id=seller.id)

    await session.execute(delete(Product).where(Product.id == product.id))

    assert await _count(session, Conversation, product_id=product.id) == 0
    assert await _count(session, Offer, product_id=product.id) == 0
    assert await _count(session, Seller, id=seller.id) == 1
    assert await _count(session, Buyer, id=chat.buyer_id) == 1
    assert await _count(session, Product, id=kept.id) == 1
    assert await _count(session, Conversation, id=kept_chat.id) == 1
    assert await _count(session, Conversation, id=assistant.id) == 1
    # Only the two self-references to deleted rows are nulled; the rows themselves stay.
    remaining = (await sql(
        "SELECT (SELECT reply_to_id FROM messages WHERE id = :message), "
        "(SELECT responds_to_id FROM offers WHERE id = :offer), "
        "(SELECT seller_id FROM conversations WHERE id = :chat), "
        "(SELECT buyer_id FROM conversations WHERE id = :chat)",
        message=reply_elsewhere.id, offer=counter.id, chat=kept_chat.id,
    )).one()
    assert remaining == (None, None, seller.id, kept_chat.buyer_id)


async def test_unknown_reference_refused(make_product, refused):
    async with refused("fk_products_seller_id_sellers"):
        await make_product(seller=None, seller_id=uuid.uuid4())

