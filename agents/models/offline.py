"""The built-in offline chat model: deterministic, rule-based, Spanish and English.

It drives the same tools as a hosted model. On each call it reads the Context block of the
system prompt and the speaker's last message (agents.intents), then either calls the bound
tool the intent needs or, once the results are back, phrases them in the speaker's language.
It knows only what the Context block, the tool results and the speaker's messages say, so it
never puts a figure in a reply that came from nowhere (and never sees a floor price).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from agents.models.offline_plan import Step, plan
from agents.models.offline_turn import read_turn, text_of


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


def estimate_usage(messages: Sequence[BaseMessage], reply: AIMessage) -> dict[str, int]:
    """Token counts at about four characters a token, as hosted models report them."""
    prompt_chars = sum(len(text_of(message)) for message in messages)
    for message in messages:
        if isinstance(message, AIMessage) and message.tool_calls:
            prompt_chars += len(json.dumps([c["args"] for c in message.tool_calls], default=str))
    output_chars = len(text_of(reply)) + len(
        json.dumps([[c["name"], c["args"]] for c in reply.tool_calls], default=str)
        if reply.tool_calls else ""
    )
    input_tokens, output_tokens = max(1, prompt_chars // 4), max(1, output_chars // 4)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


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


class OfflineChatModel(BaseChatModel):
    """Deterministic rule-based chat model that needs no network, key or weights."""

    model_config = ConfigDict(populate_by_name=True)

    model_name: str = Field(default="offline", alias="model")
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    # Replies are built whole; streaming them token by token could drop the tool calls.
    disable_streaming: bool | Literal["tool_calling"] = True

    @property
    def _llm_type(self) -> str:
        return "marketbot-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "marketbot"
        params["ls_model_name"] = str(kwargs.get("model") or self.model_name)
        return params

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; the model reads their names back from the call's kwargs."""
        schemas = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=schemas, **kwargs)

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
