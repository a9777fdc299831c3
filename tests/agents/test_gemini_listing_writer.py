"""Listing generation with Gemini through the local double over real HTTP.

The photo travels as inline image data, read from the media store by its storage key (the
stored message carries only the key); its tokens and cost count in the turn's. An answer that
breaks the schema, or a blocked one, is never stored: the rule-based writer takes over.
"""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from agents.agent_turn import ModelUsage, turn_usage
from agents.listing_writer import GeminiListingWriter
from agents.model_factory import create_gemini
from agents.turn_context import PhotoRef
from integrations.gemini_local.wire import Reply
from integrations.media_store import MediaStore
from tests.conftest import gemini_settings


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _writer(settings, double, tmp_path) -> GeminiListingWriter:
    llm = gemini_settings(settings, double.base_url).llm
    return GeminiListingWriter(create_gemini(llm), llm, media=MediaStore(tmp_path))


async def test_a_stored_photo_reaches_gemini_as_inline_image_data(settings, gemini_double,
                                                                  tmp_path):
    photo = _jpeg()
    (tmp_path / "AgADBQ.jpg").write_bytes(photo)
    usage = ModelUsage()
    token = turn_usage.set(usage)
    try:
        listing = await _writer(settings, gemini_double, tmp_path).write(
            "Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
            [PhotoRef(storage_key="AgADBQ.jpg", format="jpg")], language="es")
    finally:
        turn_usage.reset(token)

    body = gemini_double.requests[0]["body"]
    images = [p["inlineData"] for p in body["contents"][-1]["parts"] if "inlineData" in p]
    assert len(images) == 1
    assert (images[0].get("mimeType") or images[0].get("mime_type")) == "image/jpeg"
    assert base64.urlsafe_b64decode(images[0]["data"]) == photo  # as google-genai encodes it
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert listing.provider == "gemini" and "Trek" in listing.title
    assert listing.price == 350 and listing.price_source == "given"
    assert usage.input_tokens > 258 and usage.output_tokens > 0  # an image is 258 tokens
    assert usage.cost_usd > 0


async def test_a_missing_photo_file_is_skipped_and_the_listing_still_written(
        settings, gemini_double, tmp_path):
    listing = await _writer(settings, gemini_double, tmp_path).write(
        "Vendo bici Trek Marlin 5 talla M, 350€", [PhotoRef(storage_key="gone.jpg")],
        language="es")
    parts = gemini_double.requests[0]["body"]["contents"][-1]["parts"]
    assert not [p for p in parts if "inlineData" in p]
    assert listing.provider == "gemini"


class _ShortTitles:
    async def reply(self, request) -> Reply:
        return Reply(parts=[{"text": json.dumps({
            "title": "Bici", "description": "corta", "category_id": "MLA1292",
            "condition": "used", "currency": "EUR", "attributes": {}})}], input_tokens=10,
            output_tokens=10)


async def test_a_schema_breaking_answer_falls_back_to_rules(settings, gemini_double, tmp_path):
    gemini_double.brain = _ShortTitles()
    usage = ModelUsage()
    token = turn_usage.set(usage)
    try:
        listing = await _writer(settings, gemini_double, tmp_path).write(
            "Vendo bici Trek Marlin 5 talla M, 350€, poco uso", [], language="es")
    finally:
        turn_usage.reset(token)
    assert gemini_double.requests, "Gemini was asked"
    assert listing.provider == "rules"
    assert 10 <= len(listing.title) <= 60 and len(listing.description) >= 50
    assert usage.fallbacks == {"invalid_listing": 1}


async def test_a_blocked_listing_answer_falls_back_to_rules(settings, gemini_double, tmp_path):
    gemini_double.control({"mode": "safety"})
    usage = ModelUsage()
    token = turn_usage.set(usage)
    try:
        listing = await _writer(settings, gemini_double, tmp_path).write(
            "Vendo cuchillo de caza, 40€", [], language="es")
    finally:
        turn_usage.reset(token)
    assert listing.provider == "rules" and usage.fallbacks == {"safety": 1}


async def test_a_new_listing_and_its_regeneration_both_send_the_stored_photo(
        settings, gemini_double, session_factory, session, clock, tmp_path):
    from sqlalchemy import select

    from agents.agent_factory import build_agents
    from agents.conversation_service import ConversationService
    from agents.models.offline import OfflineChatModel
    from storage.models import Product
    from tests.agents.conftest import Chat

    photo = _jpeg()
    (tmp_path / "AgADCQ.jpg").write_bytes(photo)
    llm = gemini_settings(settings, gemini_double.base_url).llm
    writer = GeminiListingWriter(create_gemini(llm), llm, media=MediaStore(tmp_path))
    chat = Chat(ConversationService(
        session_factory=session_factory, settings=settings, clock=clock, listing_writer=writer,
        agents=build_agents(OfflineChatModel(), settings.llm)))
    await chat.send("seller", 1201, "Vendo bici Trek Marlin 5 talla M, 350€", name="Ana",
                    photos=[PhotoRef(storage_key="AgADCQ.jpg", format="jpg")])
    product = await session.scalar(select(Product).order_by(Product.created_at.desc()))
    await chat.send("seller", 1201, "", callback=f"listing:regenerate:{product.id}")

    listing_calls = [r["body"] for r in gemini_double.requests]
    assert len(listing_calls) == 2  # the new listing and the regeneration
    for body in listing_calls:
        images = [p.get("inlineData") for p in body["contents"][-1]["parts"]
                  if p.get("inlineData")]
        assert [base64.urlsafe_b64decode(i["data"]) for i in images] == [photo]
