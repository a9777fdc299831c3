"""The chat page in a real browser against the whole app: a seller lists a product from a photo
and publishes it, then a buyer opens a sample product and gets answers, all seen on the page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp
from PIL import Image
from playwright.async_api import Locator, Page, expect

from tests.page.conftest import RunningApp

SCREENSHOT = Path("/tmp/marketbot-chat-page.png")  # outside the repo, for a human to look at


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 110, 190)).save(buffer, format="JPEG")
    return buffer.getvalue()


def bot_messages(pane: Locator) -> Locator:
    return pane.locator(".messages .message.from-bot")


async def send(pane: Locator, text: str) -> None:
    await pane.locator(".composer input[name=text]").fill(text)
    await pane.locator(".composer button[type=submit]").click()


async def test_seller_publishes_a_photo_listing_and_buyer_gets_answers(
    running_app: RunningApp, page: Page
) -> None:
    await page.goto(f"{running_app.base_url}/")
    seller = page.locator("#seller")
    buyer = page.locator("#buyer")
    await expect(seller.locator(".pane-title")).to_have_text("Seller")
    await expect(buyer.locator(".pane-title")).to_have_text("Buyer")

    # pick a seller identity of our own
    identity = seller.locator("form.identity")
    await identity.locator("input[name=first_name]").fill("Marta")
    await identity.locator("input[name=id]").fill("5001")
    await identity.locator("button[type=submit]").click()

    await send(seller, "Hola")
    await expect(seller.locator(".message.from-user .text")).to_have_text(["Hola"])
    await expect(bot_messages(seller).first).to_contain_text("Marta")
    assert running_app.state.chat(5001) is not None  # the page talked as the picked identity

    # a photo with its caption: the bot's listing preview appears with its buttons
    await seller.locator(".composer input[name=photo]").set_input_files(
        {"name": "bici.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    await send(seller, "Vendo bici Trek, 350€")
    sent_photo = seller.locator(".message.from-user").last
    await expect(sent_photo.locator(".text")).to_have_text("Vendo bici Trek, 350€")
    await expect(sent_photo.locator("img.photo")).to_be_visible()
    assert await sent_photo.locator("img.photo").evaluate("img => img.naturalWidth") == 640
    preview = bot_messages(seller).filter(has=page.locator(".buttons"))
    await expect(preview).to_have_count(1)
    await expect(preview).to_contain_text("350")
    await expect(preview.locator(".buttons button")).to_have_text(
        ["Publicar", "Editar", "Regenerar", "Cancelar"]
    )
    await expect(seller.locator(".composer input[name=text]")).to_have_value("")

    await preview.get_by_role("button", name="Publicar").click()
    await expect(bot_messages(seller).last).to_contain_text("Publicado")

    # sample data through the page's button, then a product opened as the buyer
    await page.get_by_role("button", name="Load sample data").click()
    sample = page.locator("#sample")
    await expect(sample).to_be_visible()
    await expect(page.locator("#page-error")).to_be_hidden()
    iphone = sample.locator(".sample-product").filter(has_text="iPhone 13 Pro")
    await expect(iphone).to_have_count(1)
    await expect(sample.locator(".sample-product").filter(has_text="Bici Trek")).to_have_count(1)
    await iphone.get_by_role("button", name="Open as buyer").click()

    await expect(buyer.locator(".message.from-user .text").first).to_have_text(
        re.compile(r"^/start p\w+$")
    )
    await expect(bot_messages(buyer).first).to_contain_text("iPhone")
    answered = await bot_messages(buyer).count()
    await send(buyer, "¿Cuánto cuesta?")
    await expect(bot_messages(buyer)).to_have_count(answered + 1)
    await expect(bot_messages(buyer).last).to_contain_text("650")
    await expect(page.locator(".pane .error:visible")).to_have_count(0)

    await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_seller_replies_to_a_forwarded_question_with_the_pages_reply_action(
    running_app: RunningApp, page: Page
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{running_app.base_url}/local/fixtures", json={
            "sellers": {"ana": {"telegram_id": 5101, "name": "Ana", "language": "es"}},
            "products": {"sofa": {
                "seller": "ana", "title": "Sofá de tres plazas gris", "price": 200,
                "description": "Sofá de tres plazas en tela gris, muy cómodo, sin manchas ni "
                               "roturas. Recogida en Valencia.",
                "condition": "used", "status": "published"}}}) as response:
            assert response.status == 200, await response.text()
            start = (await response.json())["products"]["sofa"]["start"]
    await page.goto(f"{running_app.base_url}/")
    seller, buyer = page.locator("#seller"), page.locator("#buyer")
    identity = seller.locator("form.identity")
    await identity.locator("input[name=first_name]").fill("Ana")
    await identity.locator("input[name=id]").fill("5101")
    await identity.locator("button[type=submit]").click()

    await send(buyer, f"/start {start}")
    await expect(bot_messages(buyer).first).to_contain_text("Sofá")
    await send(buyer, "¿Cabe por una puerta de 70 cm?")
    question = bot_messages(seller).filter(has_text="puerta de 70 cm")
    await expect(question).to_have_count(1)

    # the reply action quotes the message: a banner until sent, then the quote above the reply
    await question.get_by_role("button", name="Reply").click()
    replying = seller.locator(".replying")
    await expect(replying).to_be_visible()
    await expect(replying.locator(".replying-text")).to_contain_text("puerta de 70 cm")
    await send(seller, "Sí, las patas se desmontan")
    mine = seller.locator(".message.from-user").filter(has_text="las patas se desmontan")
    await expect(mine.locator(".quote")).to_contain_text("puerta de 70 cm")
    await expect(replying).to_be_hidden()
    await expect(bot_messages(seller).last).to_contain_text("Enviado a")
    await expect(bot_messages(buyer).last).to_contain_text(
        "El vendedor: Sí, las patas se desmontan")

    # the server stored the reply as Telegram does: reply_to_message is the quoted message
    sent_id = int(await mine.get_attribute("data-message-id") or 0)
    quoted_id = int(await question.get_attribute("data-message-id") or 0)
    body = running_app.state.message(5101, sent_id)
    assert body is not None and body["reply_to_message"]["message_id"] == quoted_id
    assert "reply_to_message" not in body["reply_to_message"]

    # a cancelled reply sends a plain message
    await bot_messages(seller).last.get_by_role("button", name="Reply").click()
    await seller.locator(".cancel-reply").click()
    await expect(replying).to_be_hidden()
    await send(seller, "mis productos")
    plain = seller.locator(".message.from-user").filter(has_text="mis productos")
    await expect(plain.locator(".quote")).to_have_count(0)
    await expect(page.locator(".pane .error:visible")).to_have_count(0)
