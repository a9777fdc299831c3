"""Listing generation with Gemini: photos go as image parts, the output is a validated schema.

An answer that breaks the schema (a 5-character title) is never stored: the rule-based writer
takes over.
"""

from __future__ import annotations

import base64
import io
import json

import httpx
from PIL import Image
from pydantic import SecretStr

from agents.listing_writer import GeminiListingWriter
from agents.model_factory import create_gemini
from agents.turn_context import PhotoRef


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _writer(settings, answer: dict, seen: list[dict]) -> GeminiListingWriter:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={
            "candidates": [{"content": {"role": "model",
                                        "parts": [{"text": json.dumps(answer)}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 80,
                              "totalTokenCount": 380}})

    llm = settings.llm.model_copy(update={"google_api_key": SecretStr("k"), "max_retries": 0})
    model = create_gemini(llm, client_args={"transport": httpx.MockTransport(handler)})
    return GeminiListingWriter(model, llm.gemini_model)


async def test_photos_are_sent_as_image_parts_and_output_is_validated(settings):
    seen: list[dict] = []
    writer = _writer(settings, {
        "title": "Bicicleta Trek Marlin 5 talla M",
        "description": "Bicicleta de montaña Trek Marlin 5, talla M, con poco uso y bien "
                       "cuidada. Se entrega tal cual se ve en las fotos.",
        "category_id": "MLA1292", "condition": "used", "suggested_price": 350,
        "currency": "EUR", "attributes": {"BRAND": "Trek", "MODEL": "Marlin 5"},
    }, seen)
    photo = _jpeg()
    listing = await writer.write("Vendo bici Trek Marlin 5 talla M, 350€, poco uso",
                                 [PhotoRef(data=photo)], language="es")
    parts = seen[0]["contents"][-1]["parts"]
    images = [p["inlineData"] for p in parts if "inlineData" in p]
    assert images, "the photo travels as an inline image part"
    mime = images[0].get("mimeType") or images[0].get("mime_type")
    assert mime == "image/jpeg"
    assert base64.urlsafe_b64decode(images[0]["data"]) == photo
    assert listing.provider == "gemini" and listing.title.startswith("Bicicleta Trek")
    assert listing.price == 350 and listing.price_source == "given"
    assert listing.attributes["BRAND"] == "Trek"


async def test_schema_breaking_answer_falls_back_to_rules(settings):
    seen: list[dict] = []
    writer = _writer(settings, {"title": "Bici", "description": "corta",
                                "category_id": "MLA1292", "condition": "used",
                                "currency": "EUR", "attributes": {}}, seen)
    listing = await writer.write("Vendo bici Trek Marlin 5 talla M, 350€, poco uso", [],
                                 language="es")
    assert seen, "Gemini was asked"
    assert listing.provider == "rules"
    assert 10 <= len(listing.title) <= 60 and len(listing.description) >= 50
