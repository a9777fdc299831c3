"""The agents' model-call limit: a model that never stops calling tools is stopped, per run,
with a fixed reply in the speaker's language (never the library's note for developers)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from langchain_core.messages import AIMessage, HumanMessage

from agents.agent_factory import build_agents
from agents.models import ScriptedChatModel
from agents.texts import text
from agents.turn_context import TurnContext
from config.settings import LLMSettings, load_settings
from storage.models import Conversation, ConversationState, Product, ProductStatus

LIMIT = 3


def _context(language: str = "es") -> TurnContext:
    product = Product(title="Bicicleta Trek", price=Decimal("350"), currency="EUR",
                      status=ProductStatus.PUBLISHED)
    return TurnContext(settings=load_settings(),
                       clock=lambda: datetime.now(UTC), role="buyer", language=language,
                       conversation=Conversation(state=ConversationState.NEW), product=product)


async def test_a_run_ends_with_a_fixed_reply_once_the_model_used_its_calls() -> None:
    model = ScriptedChatModel([{"tool": "check_availability"}] * 10)
    agents = build_agents(model, LLMSettings(max_model_calls_per_turn=LIMIT))
    history = [HumanMessage("hola"), AIMessage("¡Hola!"), AIMessage("¿En qué te ayudo?")]

    result = await agents.buyer.ainvoke(
        {"messages": [*history, HumanMessage("¿Sigue disponible?")]}, context=_context())

    assert len(model.calls) == LIMIT  # the earlier turns' answers do not count
    last = result["messages"][-1]
    assert isinstance(last, AIMessage) and not last.tool_calls
    assert last.content == text("model_call_limit", "es")
    assert "limit" not in last.content.lower()

    model.state.queue.clear()
    model.push([{"tool": "check_availability"}, {"text": "Sí, sigue disponible."}])
    again = await agents.buyer.ainvoke(
        {"messages": [*result["messages"], HumanMessage("¿Seguro?")]}, context=_context())
    assert again["messages"][-1].content == "Sí, sigue disponible."  # a new run, new count


async def test_the_limit_reply_is_in_the_speakers_language() -> None:
    model = ScriptedChatModel([{"tool": "check_availability"}] * 10)
    agents = build_agents(model, LLMSettings(max_model_calls_per_turn=1))
    result = await agents.buyer.ainvoke({"messages": [HumanMessage("Is it still available?")]},
                                        context=_context("en"))
    assert result["messages"][-1].content == text("model_call_limit", "en")
    assert text("model_call_limit", "en") != text("model_call_limit", "es")
