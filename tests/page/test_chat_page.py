"""The chat page in a real browser against the whole app: a seller lists a product from a photo
and publishes it, then a buyer opens a sample product and gets answers, all seen on the page."""

from __future__ import annotations

import io
import re
from pathlib import Path

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
