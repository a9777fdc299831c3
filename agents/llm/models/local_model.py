"""What both local chat models (offline, scripted) share: fields, tool binding, token estimates.

Neither calls a service: the offline model decides by rules, the scripted one replays a script.
Both bind tools the LangChain way (OpenAI-style schemas in the call's kwargs), never stream
(a reply is built whole, and streaming could drop its tool calls), and report token usage
estimated at about four characters a token so stored counts look like a hosted model's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from agents.llm.models.offline_turn import text_of

# A tool's schema, per tool object (kept alive here, so its id is never reused): an agent binds
# the same tools before every model call, and converting them costs more than the call itself.
_SCHEMAS: dict[int, tuple[BaseTool, dict[str, Any]]] = {}


def tool_schema(tool: dict[str, Any] | type | Callable[..., Any] | BaseTool) -> dict[str, Any]:
    """`convert_to_openai_tool(tool)`, converted once per BaseTool."""
    if not isinstance(tool, BaseTool):
        return convert_to_openai_tool(tool)
    cached = _SCHEMAS.get(id(tool))
    if cached is None:
        cached = _SCHEMAS[id(tool)] = (tool, convert_to_openai_tool(tool))
    return cached[1]


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


class LocalChatModel(BaseChatModel):
    """Base of the offline and scripted models (subclasses set `model_name` and `_llm_type`)."""

    model_config = ConfigDict(populate_by_name=True)

    model_name: str
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    disable_streaming: bool | Literal["tool_calling"] = True

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
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=[tool_schema(tool) for tool in tools], **kwargs)
