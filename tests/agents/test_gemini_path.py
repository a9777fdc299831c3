"""Gemini through the local Gemini API double, over real HTTP (google-genai's aiohttp path).

A tool call goes out as a functionCall and its real result comes back as a functionResponse;
every fault the double plays (a blocked answer, a blocked prompt, an empty answer, a malformed
function call, 429, 500, a slow answer) still ends in a reply to the buyer, from the offline
fallback, before the double would have answered, and is counted in the metrics by cause.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from agents.agent_factory import build_agents
from agents.conversation_service import ConversationService
from agents.model_factory import create_gemini
from agents.models.offline import OfflineChatModel
from agents.texts import text
from bot.metrics import BotMetrics
from storage.models import Message
from tests.agents.conftest import Chat
from tests.conftest import gemini_settings

BUDGET = 2.0  # seconds a turn waits for Gemini in these tests


@pytest.fixture
def gemini(settings, gemini_double, session_factory, clock):
    """A conversation service whose agents run on the real Gemini client aimed at the double."""
    def build(**llm: object) -> Chat:
        tuned = gemini_settings(settings, gemini_double.base_url,
                                turn_budget_seconds=BUDGET, **llm)
        agents = build_agents(create_gemini(tuned.llm), tuned.llm, fallback=OfflineChatModel())
        return Chat(ConversationService(session_factory=session_factory, settings=tuned,
                                        agents=agents, clock=clock))
    return build


def _sent(double) -> list[dict]:
    return [r["body"] for r in double.requests]


async def test_a_tool_call_round_trip_runs_the_real_tool_and_stores_tokens(
        gemini, gemini_double, published_product, session):
    product = await published_product()
    result = await gemini().send("buyer", 2101, "Te doy 600 y lo recojo hoy",
                                 open_ref=product.public_ref)

    assert result.tools == ["make_offer"]
    bodies = _sent(gemini_double)
    assert len(bodies) == 2
    call = bodies[0]
    assert "make_offer" in [d["name"] for t in call["tools"]
                            for d in t["functionDeclarations"]]
    answered = bodies[1]["contents"][-1]["parts"][0]["functionResponse"]
    assert answered["name"] == "make_offer"
    assert answered["response"]["decision"] in ("accept", "counter")
    reply = result.replies[0]
    stored = await session.scalar(select(Message).where(Message.id == reply.message_id))
    assert stored.model == "gemini-2.5-flash"
    assert (stored.input_tokens, stored.output_tokens) == (  # what the double billed
        sum(r["usage"]["promptTokenCount"] for r in gemini_double.requests),
        sum(r["usage"]["candidatesTokenCount"] for r in gemini_double.requests))
    assert stored.cost_usd > 0
    assert stored.tool_calls[0]["name"] == "make_offer"
    # the product's facts reached Gemini in the system prompt, and never the floor figure
    instruction = json.dumps(call["systemInstruction"], ensure_ascii=False)
    assert "Envío por 5 €" in instruction
    assert "560" not in json.dumps(bodies)
    # retries as the library documents them, and a thinking budget for chat
    assert call["generationConfig"]["thinkingConfig"] in ({"thinking_budget": 0},
                                                         {"thinkingBudget": 0})


@pytest.mark.parametrize("mode,cause", [
    ("safety", "safety"), ("prompt_blocked", "prompt_blocked"), ("empty", "empty"),
    ("bad_function_call", "malformed_function_call"), ("429", "rate_limited"),
    ("500", "server_error"), ("slow", "time_budget"),
])
async def test_every_fault_ends_in_a_reply_within_the_budget_and_a_metric(
        gemini, gemini_double, published_product, mode, cause):
    product = await published_product()
    gemini_double.control({"mode": mode, "slow_seconds": 30})
    metrics = BotMetrics()
    started = time.monotonic()
    with metrics.observing("message"), capture_logs() as logs:
        result = await gemini().send("buyer", 2102, "Hola, ¿sigue disponible? Te doy 500",
                                     open_ref=product.public_ref)
    elapsed = time.monotonic() - started

    assert gemini_double.requests, "Gemini was asked first"
    assert result.replies and result.replies[0].text.strip()
    assert "make_offer" in result.tools  # the fallback drove the same tools
    assert "560" not in result.replies[0].text
    assert elapsed < 30, "the buyer did not wait for the slow answer"
    assert metrics.value("model_fallbacks_total", cause=cause) == 1
    assert [e["fallback"] for e in logs if e["event"] == "turn.usage"] == [cause]
    # a refusal is not retried; errors are, within the budget
    if mode in ("safety", "prompt_blocked", "empty", "bad_function_call"):
        assert len(gemini_double.requests) == 1


async def test_a_turn_that_fell_back_stays_on_the_fallback(gemini, gemini_double,
                                                           published_product):
    product = await published_product()
    gemini_double.control({"mode": "safety"})
    await gemini().send("buyer", 2103, "Te doy 400", open_ref=product.public_ref)
    assert len(gemini_double.requests) == 1  # the tool result was phrased offline too


async def test_the_call_limit_ends_the_turn_with_a_fixed_reply(gemini, gemini_double,
                                                               published_product):
    product = await published_product()
    metrics = BotMetrics()
    with metrics.observing("message"):
        result = await gemini(max_model_calls_per_turn=1).send(
            "buyer", 2104, "Te doy 600", open_ref=product.public_ref)
    assert len(gemini_double.requests) == 1 and result.tools == ["make_offer"]
    assert [r.text for r in result.replies] == [text("model_call_limit", "es")]
    assert all("limit" not in r.text.lower() for r in result.replies)
    assert metrics.value("model_fallbacks_total", cause="call_limit") == 1
