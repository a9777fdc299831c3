"""The two agents (seller assistant, buyer chat), built once with `create_agent`.

Per turn only the context changes (`context=TurnContext`), so building happens at start-up, not
per message. Middlewares: the per-turn system prompt, a model-call limit, and for Gemini model
retries followed by a fallback to the offline model.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import langsmith
from langchain.agents import create_agent
from langchain.agents.middleware import (
    ModelCallLimitMiddleware,
    ModelFallbackMiddleware,
    ModelRequest,
    ModelRetryMiddleware,
    dynamic_prompt,
)
from langchain_core.language_models import BaseChatModel
from langsmith.utils import tracing_is_enabled

from agents.tools.buyer import BUYER_TOOLS
from agents.tools.seller import SELLER_TOOLS
from agents.turn_context import TurnContext
from config.settings import LLMSettings


@dynamic_prompt
def turn_prompt(request: ModelRequest) -> str:
    context: TurnContext = request.runtime.context
    return context.system_prompt


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
    middleware: list[Any] = [turn_prompt]
    if fallback is not None:
        middleware += [
            ModelFallbackMiddleware(fallback),
            ModelRetryMiddleware(max_retries=llm.max_retries, on_failure="error",
                                 initial_delay=0.2, max_delay=2.0),
        ]
    middleware.append(ModelCallLimitMiddleware(run_limit=llm.max_model_calls_per_turn,
                                               exit_behavior="end"))

    def build(tools: list[Any], name: str) -> Any:
        return create_agent(model, tools, middleware=middleware, context_schema=TurnContext,
                            name=name)

    model_name = getattr(model, "model", None) or getattr(model, "_llm_type", "model")
    return Agents(seller=build(SELLER_TOOLS, "seller_assistant"),
                  buyer=build(BUYER_TOOLS, "buyer_chat"), model_name=str(model_name))
