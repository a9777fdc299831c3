"""The built-in offline chat model: deterministic, rule-based, Spanish and English.

It drives the same tools as a hosted model. On each call it reads the Context block of the
system prompt and the speaker's last message (agents.domain.intents), then either calls the bound
tool the intent needs or, once the results are back, phrases them in the speaker's language.
It knows only what the Context block, the tool results and the speaker's messages say, so it
never puts a figure in a reply that came from nowhere (and never sees a floor price).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agents.llm.models.local_model import LocalChatModel, estimate_usage
from agents.llm.models.offline_plan import Step, plan
from agents.llm.models.offline_turn import read_turn, text_of


def bound_tool_names(kwargs: dict[str, Any]) -> frozenset[str]:
    """Names of the tools bound with bind_tools (OpenAI-style schemas in kwargs['tools'])."""
    if kwargs.get("tool_choice") == "none":
        return frozenset()
    names = set()
    for schema in kwargs.get("tools") or []:
        if isinstance(schema, dict):
            function = schema.get("function") if "function" in schema else schema
            name = function.get("name") if isinstance(function, dict) else None
            if name:
                names.add(str(name))
    return frozenset(names)


def step_message(step: Step, messages: Sequence[BaseMessage], model_name: str) -> AIMessage:
    """The AIMessage for a step, with deterministic tool-call ids and usage metadata."""
    digest = hashlib.sha1(
        "\x1e".join(text_of(m) for m in messages).encode("utf-8"), usedforsecurity=False
    ).hexdigest()[:10]
    tool_calls = [
        {"name": name, "args": args, "id": f"call_{digest}_{index}", "type": "tool_call"}
        for index, (name, args) in enumerate(step.calls)
    ]
    reply = AIMessage(content=step.text, tool_calls=tool_calls,
                      response_metadata={"model_name": model_name})
    reply.usage_metadata = estimate_usage(messages, reply)  # type: ignore[assignment]
    return reply


class OfflineChatModel(LocalChatModel):
    """Deterministic rule-based chat model that needs no network, key or weights."""

    model_name: str = Field(default="offline", alias="model")

    @property
    def _llm_type(self) -> str:
        return "marketbot-offline"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        turn = read_turn(messages, bound_tool_names(kwargs))
        reply = step_message(plan(turn), messages, self.model_name)
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Pure CPU work of a few milliseconds: no need for the default thread hop.
        return self._generate(messages, stop=stop, **kwargs)
