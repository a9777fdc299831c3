"""The agents' model-call limit: a model that never stops calling tools is stopped, per run."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from langchain_core.messages import AIMessage, HumanMessage

from agents.agent_factory import build_agents
from agents.models import ScriptedChatModel
from agents.turn_context import TurnContext
from config.settings import LLMSettings, load_settings
from storage.models import Conversation, ConversationState, Product, ProductStatus

LIMIT = 3


def _context() -> TurnContext:
    product = Product(title="Bicicleta Trek", price=Decimal("350"), currency="EUR",
                      status=ProductStatus.PUBLISHED)
    return TurnContext(settings=load_settings(),
                       clock=lambda: datetime.now(UTC), role="buyer", language="es",
                       conversation=Conversation(state=ConversationState.NEW), product=product)


async def test_a_run_ends_with_a_note_once_the_model_used_its_calls() -> None:
    model = ScriptedChatModel([{"tool": "check_availability"}] * 10)
    agents = build_agents(model, LLMSettings(max_model_calls_per_turn=LIMIT))
    history = [HumanMessage("hola"), AIMessage("¡Hola!"), AIMessage("¿En qué te ayudo?")]

    result = await agents.buyer.ainvoke(
        {"messages": [*history, HumanMessage("¿Sigue disponible?")]}, context=_context())

    assert len(model.calls) == LIMIT  # the earlier turns' answers do not count
    last = result["messages"][-1]
    assert isinstance(last, AIMessage) and not last.tool_calls
    assert last.content == f"Model call limits exceeded: run limit ({LIMIT}/{LIMIT})"

    model.state.queue.clear()
    model.push([{"tool": "check_availability"}, {"text": "Sí, sigue disponible."}])
    again = await agents.buyer.ainvoke(
        {"messages": [*result["messages"], HumanMessage("¿Seguro?")]}, context=_context())
    assert again["messages"][-1].content == "Sí, sigue disponible."  # a new run, new count
