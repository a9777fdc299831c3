"""The two agents (seller assistant, buyer chat), built once with `create_agent`.

Per turn only the context changes (`context=TurnContext`), so building happens at start-up, not
per message. Middlewares: the per-turn system prompt with a model-call limit, and for Gemini
a fallback to the offline model around the guard of answers and time budget
(agents/model_guard.py) around the retries. All of them wrap the model call;
none adds a node to the graph (each node is a step of LangGraph's loop, paid on every turn).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import langsmith
from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelFallbackMiddleware,
    ModelRequest,
    ModelRetryMiddleware,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langsmith.utils import tracing_is_enabled

from agents.agent_turn import note_fallback
from agents.model_guard import HostedModelGuard, retryable
from agents.texts import text
from agents.tools.buyer import BUYER_TOOLS
from agents.tools.seller import SELLER_TOOLS
from agents.turn_context import TurnContext
from config.settings import LLMSettings


class TurnModelCall(AgentMiddleware):
    """Every model call of a turn: the turn's system prompt, and at most `limit` calls per run.

    One middleware for both on purpose: LangChain wraps each middleware's hook in a LangSmith
    span, paid on every call. The limit is what `ModelCallLimitMiddleware(run_limit=...,
    exit_behavior="end")` does, without its two graph nodes around every model call (they
    double the steps of LangGraph's loop): past the limit the run ends with a fixed reply in
    the speaker's language instead of a call (never the library's note, which is for
    developers). The calls of this run are the model's messages after the speaker's last one (a
    button's action, put there as a tool call, counts as one).
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def _exceeded(self, request: ModelRequest) -> AIMessage | None:
        calls = 0
        for message in reversed(request.messages):
            if isinstance(message, HumanMessage):
                break
            calls += isinstance(message, AIMessage)
        if calls < self.limit:
            return None
        note_fallback("call_limit")
        context: TurnContext = request.runtime.context
        return AIMessage(text("model_call_limit", context.language),
                         response_metadata={"call_limit": True})

    @staticmethod
    def _prompted(request: ModelRequest) -> ModelRequest:
        context: TurnContext = request.runtime.context
        return request.override(system_message=SystemMessage(context.system_prompt))

    def wrap_model_call(self, request: ModelRequest, handler: Callable[..., Any]) -> Any:
        return self._exceeded(request) or handler(self._prompted(request))

    async def awrap_model_call(self, request: ModelRequest,
                               handler: Callable[..., Awaitable[Any]]) -> Any:
        return self._exceeded(request) or await handler(self._prompted(request))


@dataclass
class Agents:
    seller: Any
    buyer: Any
    model_name: str

    def for_role(self, role: str) -> Any:
        return self.seller if role == "seller" else self.buyer


async def _inline_unless_tracing(default: Callable[..., Any], ctx: contextvars.Context,
                                 func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """LangChain wraps every middleware's model-call hook in LangSmith's `traceable`, which
    runs its bookkeeping in a worker thread, twice per model call, even with tracing off.
    Off, that bookkeeping is a few microseconds: run it here instead of hopping threads."""
    if ctx.run(tracing_is_enabled):
        return await default(ctx, func, *args, **kwargs)
    return ctx.run(func, *args, **kwargs)


def build_agents(model: BaseChatModel, llm: LLMSettings, *, fallback: BaseChatModel | None = None
                 ) -> Agents:
    langsmith.set_runtime_overrides(aio_to_thread=_inline_unless_tracing)
    middleware: list[Any] = [TurnModelCall(llm.max_model_calls_per_turn)]
    if fallback is not None:
        middleware += [
            ModelFallbackMiddleware(fallback),
            HostedModelGuard(model),
            ModelRetryMiddleware(max_retries=llm.max_retries, retry_on=retryable,
                                 on_failure="error", initial_delay=0.2, max_delay=2.0),
        ]

    def build(tools: list[Any], name: str) -> Any:
        return create_agent(model, tools, middleware=middleware, context_schema=TurnContext,
                            name=name)

    model_name = getattr(model, "model", None) or getattr(model, "_llm_type", "model")
    return Agents(seller=build(SELLER_TOOLS, "seller_assistant"),
                  buyer=build(BUYER_TOOLS, "buyer_chat"), model_name=str(model_name))
