"""The whole bot on the real Gemini client, aimed at the local Gemini API double.

As `LLM_PROVIDER=gemini GEMINI_BASE_URL=... ./marketbot.sh run` wires it: a seller's photo
reaches the double as inline image data and the listing is Gemini's, and the preview stores the
tokens the double billed for that turn; a buyer is answered; with
the double refusing everything (safety) the buyer is still answered, by the offline fallback,
and the bot's /metrics counts the fallback by cause and the estimated cost.
"""

from __future__ import annotations

import base64

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from storage.models import Listing, Message, Product
from tests.conftest import gemini_settings
from tests.e2e.conftest import BUYER, SELLER, button, jpeg, replies


async def metrics(settings) -> dict[tuple[str, str], float]:
    url = f"http://{settings.telegram.webhook_host}:{settings.telegram.webhook_port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body = await response.text()
    return {(s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


async def test_photo_to_gemini_and_a_buyer_answered_even_when_gemini_refuses(
        local_server, e2e_settings, make_runtime, start_bot, gemini_double) -> None:
    settings = gemini_settings(e2e_settings, gemini_double.base_url, turn_budget_seconds=5)
    runtime = await make_runtime(settings)
    await start_bot(runtime)
    state = local_server.state
    photo = jpeg()

    sent = await state.push_photo(SELLER, photo, caption="Vendo iPhone 13 Pro 128GB, 650€")
    preview = (await replies(state, SELLER["id"], sent.message_id, timeout=30))[-1]
    images = [image for r in gemini_double.requests for image in
              [p.get("inlineData") or p.get("inline_data") for c in r["body"]["contents"]
               for p in c["parts"]] if image]
    assert [base64.urlsafe_b64decode(i["data"]) for i in images] == [photo]
    async with runtime.session_factory() as session:
        listing = await session.scalar(select(Listing))
        assert listing is not None and listing.provider == "gemini"
        stored = (await session.scalars(select(Message).where(
            Message.input_tokens.is_not(None)))).all()
    # the turn's reply stores what the double billed for its calls, the listing's included
    assert [(m.input_tokens, m.output_tokens) for m in stored] == [
        (sum(r["usage"]["promptTokenCount"] for r in gemini_double.requests),
         sum(r["usage"]["candidatesTokenCount"] for r in gemini_double.requests))]

    await state.push_callback(SELLER, preview["message_id"], button(preview, "listing:publish"))
    await replies(state, SELLER["id"], preview["message_id"], timeout=30)
    async with runtime.session_factory() as session:
        product = await session.scalar(select(Product))
    opened = await state.push_text(BUYER, f"/start {product.public_ref}")
    await replies(state, BUYER["id"], opened.message_id)

    asked = await state.push_text(BUYER, "Hola! Sigue disponible?")
    assert "disponible" in (await replies(state, BUYER["id"], asked.message_id,
                                          timeout=30))[-1]["text"]
    before = len(gemini_double.requests)

    gemini_double.control({"mode": "safety"})
    offered = await state.push_text(BUYER, "Te doy 400")
    counter = (await replies(state, BUYER["id"], offered.message_id, timeout=30))[-1]
    assert len(gemini_double.requests) > before, "Gemini was asked, and refused"
    assert counter["text"].strip() and "560" not in counter["text"]
    counts = await metrics(settings)
    assert counts[("model_fallbacks_total", "cause=safety")] == 1
    assert counts[("model_cost_usd_total", "")] > 0
    assert counts[("tokens_total", "direction=input")] > 258  # the photo's tokens included
