"""Gemini end to end against a mocked generateContent endpoint (httpx MockTransport).

A function-call round trip runs a real tool and the token usage is stored; a 429 or a timeout
falls back to the offline model and the buyer is still answered.
"""

from __future__ import annotations

import json

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from agents.model_factory import create_gemini
from agents.models.offline import OfflineChatModel
from storage.models import Message
from tests.agents.conftest import Chat


def _answer(parts: list[dict], prompt_tokens: int = 120, out_tokens: int = 12) -> dict:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
                        "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt_tokens,
                          "candidatesTokenCount": out_tokens,
                          "totalTokenCount": prompt_tokens + out_tokens},
        "modelVersion": "gemini-2.5-flash",
    }


def _gemini(settings, handler):
    llm = settings.llm.model_copy(update={"google_api_key": SecretStr("test-key"),
                                          "max_retries": 0})
    return create_gemini(llm, client_args={"transport": httpx.MockTransport(handler)}), llm


async def test_function_call_round_trip_runs_the_real_tool_and_stores_tokens(
        make_service, published_product, settings, session):
    product = await published_product()
    requests: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("models/gemini-2.5-flash:generateContent")
        body = json.loads(request.content)
        requests.append(body)
        if len(requests) == 1:
            return httpx.Response(200, json=_answer(
                [{"functionCall": {"name": "check_availability", "args": {}}}]))
        # the second call carries the tool's real result
        tool_turn = body["contents"][-1]["parts"][0]["functionResponse"]
        assert tool_turn["name"] == "check_availability"
        assert tool_turn["response"]["available"] is True
        return httpx.Response(200, json=_answer([{"text": "Sí, sigue disponible."}], 150, 8))

    model, _ = _gemini(settings, handler)
    chat = Chat(make_service(model, fallback=OfflineChatModel()))
    result = await chat.send("buyer", 2101, "¿Sigue disponible?", open_ref=product.public_ref)
    assert result.tools == ["check_availability"]
    assert [r.text for r in result.replies] == ["Sí, sigue disponible."]
    stored = await session.scalar(select(Message).where(Message.id == result.replies[0]
                                                        .message_id))
    assert stored.input_tokens == 270 and stored.output_tokens == 20
    assert stored.tool_calls[0]["name"] == "check_availability"
    # the system prompt reached Gemini with the product's facts, and never a floor figure
    instruction = json.dumps(requests[0]["systemInstruction"], ensure_ascii=False)
    assert "product_description: Muy buen estado, batería al 89%" in instruction
    assert "Envío por 5 €" in instruction
    assert "560" not in json.dumps(requests)


async def test_rate_limited_gemini_falls_back_to_offline_model(
        make_service, published_product, settings):
    product = await published_product()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, json={"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                                   "message": "Quota exceeded"}})

    model, _ = _gemini(settings, handler)
    chat = Chat(make_service(model, fallback=OfflineChatModel()))
    result = await chat.send("buyer", 2102, "Hola, sigue disponible?",
                             open_ref=product.public_ref)
    assert calls, "Gemini was tried first"
    assert result.replies and result.replies[0].text


async def test_gemini_timeout_falls_back_to_offline_model(
        make_service, published_product, settings):
    product = await published_product()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    model, _ = _gemini(settings, handler)
    chat = Chat(make_service(model, fallback=OfflineChatModel()))
    result = await chat.send("buyer", 2103, "Te doy 400", open_ref=product.public_ref)
    assert "make_offer" in result.tools
    assert result.replies and "560" not in result.replies[0].text
