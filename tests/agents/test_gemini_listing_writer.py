"""Listing generation with Gemini through the local double over real HTTP.

The photo travels as inline image data, read from the media store by its storage key (the
stored message carries only the key); its tokens and cost count in the turn's: the reply of a
new listing's turn, and of a Regenerate button's, stores what the double reported for every
call of that turn. An answer that breaks the schema, or a blocked one, is never stored: the
rule-based writer takes over.
"""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal

from PIL import Image
from structlog.testing import capture_logs

from agents.llm.agent_turn import ModelUsage, turn_usage
from agents.llm.listing_writer import GeminiListingWriter
from agents.llm.model_factory import create_gemini
from agents.llm.turn_meter import estimated_cost, metering
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
    with metering() as meter:
        listing = await _writer(settings, gemini_double, tmp_path).write(
            "Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
            [PhotoRef(storage_key="AgADBQ.jpg", format="jpg")], language="es")

    body = gemini_double.requests[0]["body"]
    images = [p["inlineData"] for p in body["contents"][-1]["parts"] if "inlineData" in p]
    assert len(images) == 1
    assert (images[0].get("mimeType") or images[0].get("mime_type")) == "image/jpeg"
    assert base64.urlsafe_b64decode(images[0]["data"]) == photo  # as google-genai encodes it
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert listing.provider == "gemini" and "Trek" in listing.title
    assert listing.price == 350 and listing.price_source == "given"
    assert meter.tokens() == _reported(gemini_double.requests)
    assert meter.tokens()[0] > 258  # an image is 258 tokens
    assert meter.cost_usd(settings.llm) > 0


async def test_a_missing_photo_file_is_skipped_and_the_listing_still_written(
        settings, gemini_double, tmp_path):
    listing = await _writer(settings, gemini_double, tmp_path).write(
        "Vendo bici Trek Marlin 5 talla M, 350€", [PhotoRef(storage_key="gone.jpg")],
        language="es")
    parts = gemini_double.requests[0]["body"]["contents"][-1]["parts"]
    assert not [p for p in parts if "inlineData" in p]
    assert listing.provider == "gemini"


async def test_photos_without_a_caption_are_not_titled_after_the_placeholder(
        settings, gemini_double, tmp_path):
    (tmp_path / "AgADDQ.jpg").write_bytes(_jpeg())
    listing = await _writer(settings, gemini_double, tmp_path).write(
        "", [PhotoRef(storage_key="AgADDQ.jpg", format="jpg")], language="es")
    parts = gemini_double.requests[0]["body"]["contents"][-1]["parts"]
    assert [p for p in parts if "inlineData" in p]
    assert listing.provider == "gemini" and "text" not in listing.title.lower()  # "No text..."


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


def _reported(requests: list[dict]) -> tuple[int, int]:
    """(input, output) tokens the double answered these requests with."""
    return (sum(r["usage"]["promptTokenCount"] for r in requests),
            sum(r["usage"]["candidatesTokenCount"] for r in requests))


async def test_a_new_listing_and_its_regeneration_send_the_photo_and_store_their_tokens(
        settings, gemini_double, session_factory, session, clock, tmp_path):
    from sqlalchemy import select

    from agents.conversation.conversation_service import ConversationService
    from agents.llm.agent_factory import build_agents
    from agents.llm.models.offline import OfflineChatModel
    from storage.models import Message, Product
    from tests.agents.conftest import Chat

    photo = _jpeg()
    (tmp_path / "AgADCQ.jpg").write_bytes(photo)
    tuned = gemini_settings(settings, gemini_double.base_url)
    writer = GeminiListingWriter(create_gemini(tuned.llm), tuned.llm, media=MediaStore(tmp_path))
    chat = Chat(ConversationService(
        session_factory=session_factory, settings=tuned, clock=clock, listing_writer=writer,
        agents=build_agents(create_gemini(tuned.llm), tuned.llm, fallback=OfflineChatModel())))

    async def turn(**sent: object) -> tuple[list[dict], Message, list[dict]]:
        gemini_double.requests.clear()
        with capture_logs() as logs:
            result = await chat.send("seller", 1201, name="Ana", **sent)  # type: ignore[arg-type]
        stored = await session.scalar(select(Message).where(
            Message.id == result.replies[0].message_id))
        assert stored is not None
        return list(gemini_double.requests), stored, [e for e in logs
                                                       if e["event"] == "turn.usage"]

    created = await turn(text="Vendo bici Trek Marlin 5 talla M, 350€",
                         photos=[PhotoRef(storage_key="AgADCQ.jpg", format="jpg")])
    product = await session.scalar(select(Product).order_by(Product.created_at.desc()))
    regenerated = await turn(callback=f"listing:regenerate:{product.id}")

    for requests, stored, logged in (created, regenerated):
        listing_calls = [r["body"] for r in requests
                         if r["body"]["generationConfig"].get("responseMimeType")]
        assert len(listing_calls) == 1 and len(requests) > 1  # the writer, and the chat
        images = [p.get("inlineData") for p in listing_calls[0]["contents"][-1]["parts"]
                  if p.get("inlineData")]
        assert [base64.urlsafe_b64decode(i["data"]) for i in images] == [photo]
        tokens = _reported(requests)
        assert (stored.input_tokens, stored.output_tokens) == tokens
        assert tokens[0] > 258  # the photo's tokens are in
        cost = estimated_cost(tuned.llm, *tokens)
        assert stored.cost_usd == Decimal(f"{cost:.8f}") and cost > 0
        assert stored.model == "gemini-2.5-flash"
        assert [(e["input_tokens"], e["output_tokens"], e["fallback"]) for e in logged] == [
            (*tokens, None)]  # one line per turn
