"""A chat model that replays a script: what the model "answers" is written in the test.

Used by replayed transcripts with `model: scripted` (each turn's `llm:` items are pushed before
the turn runs) and by tests that need an exact tool call. Items are `{"text": ...}`,
`{"tool": NAME, "args": {...}}` (optionally with a "text" too) or ready AIMessages. Each model
call takes the next item; when the script runs out the model says a short neutral sentence, so
the agent loop ends. Every prompt received is recorded so tests can measure what the agent
sends (prompt size, history window).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agents.llm.models.local_model import LocalChatModel, estimate_usage

ScriptItem = dict[str, Any] | AIMessage
EXHAUSTED_REPLY = "OK."
_ITEM_KEYS = frozenset({"text", "tool", "args"})


@dataclass
class ScriptState:
    """The queue of items and the prompts seen; shared by every copy and binding of a model."""

    queue: deque[ScriptItem] = field(default_factory=deque)
    calls: list[list[BaseMessage]] = field(default_factory=list)
    tool_calls_made: int = 0


def check_item(item: ScriptItem) -> ScriptItem:
    """An item as given, or ValueError naming what is wrong with it (typos fail loudly)."""
    if isinstance(item, AIMessage):
        return item
    if not isinstance(item, dict):
        raise ValueError(f"script item must be a dict or an AIMessage, not {type(item).__name__}")
    unknown = set(item) - _ITEM_KEYS
    if unknown:
        raise ValueError(f"script item has unknown keys {sorted(unknown)}: {item!r}")
    if "tool" not in item and "text" not in item:
        raise ValueError(f"script item needs 'text' or 'tool': {item!r}")
    if "args" in item and not isinstance(item["args"], dict):
        raise ValueError(f"script item 'args' must be a mapping: {item!r}")
    return dict(item)


class ScriptedChatModel(LocalChatModel):
    """Replays scripted AI messages in order, one per model call."""

    model_name: str = Field(default="scripted", alias="model")
    state: ScriptState = Field(default_factory=ScriptState, exclude=True)

    def __init__(self, items: Iterable[ScriptItem] | None = None, /, **kwargs: Any) -> None:
        """Build from a script given positionally, as items= or as script=."""
        given = [v for v in (items, kwargs.pop("items", None), kwargs.pop("script", None))
                 if v is not None]
        if len(given) > 1:
            raise TypeError("give the script once: positionally, as items= or as script=")
        super().__init__(**kwargs)
        self.push(given[0] if given else [])

    @property
    def _llm_type(self) -> str:
        return "marketbot-scripted"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """Every prompt the model received, oldest first."""
        return self.state.calls

    @property
    def remaining(self) -> int:
        """How many scripted items have not been replayed yet."""
        return len(self.state.queue)

    def push(self, items: Iterable[ScriptItem]) -> None:
        """Append items to the end of the script."""
        self.state.queue.extend(check_item(item) for item in items)

    def _next_message(self) -> AIMessage:
        state = self.state
        if not state.queue:
            return AIMessage(content=EXHAUSTED_REPLY)
        item = state.queue.popleft()
        if isinstance(item, AIMessage):
            return item.model_copy(deep=True)
        tool_calls = []
        if "tool" in item:
            state.tool_calls_made += 1
            tool_calls.append({"name": str(item["tool"]), "args": dict(item.get("args") or {}),
                               "id": f"scripted_{state.tool_calls_made}", "type": "tool_call"})
        return AIMessage(content=str(item.get("text", "")), tool_calls=tool_calls)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.state.calls.append(list(messages))
        reply = self._next_message()
        reply.response_metadata = {**reply.response_metadata, "model_name": self.model_name}
        reply.usage_metadata = estimate_usage(messages, reply)  # type: ignore[assignment]
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop=stop, **kwargs)
