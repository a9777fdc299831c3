"""A whole sale through the real polling loop: the people act only on the local Bot API server.

Ana sends a photo with a sentence and gets a listing preview, sets her floor and publishes;
Luis opens the product's deep link, asks, offers 400 on 650 (floor 560), gets a counter and
accepts it; the product is reserved and Ana, told with confirm/decline buttons, confirms; the
product is sold and Luis is told.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.app_runtime import AppRuntime
from storage.models import Offer, OfferParty, OfferStatus, Product, ProductStatus
from tests.e2e.conftest import BUYER, SELLER, button, jpeg, replies


async def product_state(runtime: AppRuntime) -> Product:
    async with runtime.session_factory() as session:
        product = await session.scalar(select(Product))
        assert product is not None
        return product


async def test_a_sale_from_photo_to_sold_through_polling(local_server, e2e_settings,
                                                         make_runtime, start_bot) -> None:
    runtime = await make_runtime(e2e_settings)
    running = await start_bot(runtime)
    state = local_server.state
    ana, luis = SELLER["id"], BUYER["id"]

    sent = await state.push_photo(SELLER, jpeg(), caption="Vendo iPhone 13 Pro 128GB, 650€")
    preview = (await replies(state, ana, sent.message_id))[-1]
    assert "650" in preview["text"]
    labels = [b["text"] for row in preview["buttons"] for b in row]
    assert {"Publicar", "Editar", "Cancelar"} <= set(labels)

    floor = await state.push_text(SELLER, "precio mínimo 560")
    await replies(state, ana, floor.message_id)
    await state.push_callback(SELLER, preview["message_id"], button(preview, "listing:publish"))
    published = await replies(state, ana, floor.message_id + 1)
    assert any("Publicado" in m["text"] for m in published)
    product = await product_state(runtime)
    assert product.status is ProductStatus.PUBLISHED
    assert (product.price, product.min_price) == (Decimal("650"), Decimal("560"))
    seller_seen = published[-1]["message_id"]

    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    intro = await replies(state, luis, opened.message_id)
    assert "iPhone 13 Pro" in intro[-1]["text"] and "650" in intro[-1]["text"]

    asked = await state.push_text(BUYER, "Hola! Sigue disponible?")
    assert "disponible" in (await replies(state, luis, asked.message_id))[-1]["text"]

    offered = await state.push_text(BUYER, "Te doy 400")
    counter = (await replies(state, luis, offered.message_id))[-1]
    async with runtime.session_factory() as session:
        bot_offer = await session.scalar(select(Offer).where(Offer.made_by == OfferParty.BOT))
    assert bot_offer is not None and Decimal("560") <= bot_offer.amount < Decimal("650")
    amount = str(int(bot_offer.amount))
    assert amount in counter["text"] and "560" not in counter["text"]
    assert button(counter, "offer:accept")

    accepted = await state.push_text(BUYER, "Vale, acepto")
    assert amount in (await replies(state, luis, accepted.message_id))[-1]["text"]
    assert (await product_state(runtime)).status is ProductStatus.RESERVED
    notice = (await replies(state, ana, seller_seen))[-1]
    assert "Luis" in notice["text"] and amount in notice["text"]
    assert button(notice, "sale:decline")

    await state.push_callback(SELLER, notice["message_id"], button(notice, "sale:confirm"))
    assert "vendido" in (await replies(state, ana, notice["message_id"]))[-1]["text"]
    told = await replies(state, luis, accepted.message_id, count=2)
    assert "confirmado" in told[-1]["text"]
    product = await product_state(runtime)
    assert product.status is ProductStatus.SOLD and product.sold_price == bot_offer.amount
    async with runtime.session_factory() as session:
        accepted_offer = await session.scalar(select(Offer).where(
            Offer.status == OfferStatus.ACCEPTED))
    assert accepted_offer is not None and accepted_offer.amount == bot_offer.amount

    # Each update was answered once: one message per step, and the counters agree.
    assert len(await state.bot_messages(luis)) == 5  # intro, availability, counter, deal, sold
    assert len(await state.bot_messages(ana)) == 5  # preview, floor, published, deal, sold
    metrics = running.metrics
    assert metrics.value("updates_handled_total", kind="message") == 6
    assert metrics.value("updates_handled_total", kind="callback_query") == 2
    assert metrics.value("replies_total", role="buyer") == 5
    assert metrics.value("replies_total", role="seller") == 5
    assert metrics.value("model_calls_total") > 0
    assert metrics.value("tokens_total", direction="input") > 0
    assert metrics.value("tokens_total", direction="output") > 0
    assert metrics.value("update_reply_latency_seconds_count") == 8
    assert metrics.value("errors_total", kind="update") == 0
