"""Running one agent turn and collecting what it produced: reply text, tool calls, tokens."""

from __future__ import annotations

import json
import time
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import structlog
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.model_budget import turn_budget
from agents.turn_context import TurnContext
from agents.turn_meter import TurnMeter, note_cause
from config.settings import LLMSettings

log = structlog.get_logger(__name__)


@dataclass
class AgentOutput:
    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int = 0  # set by `charge` from the turn's meter (listing writer included)
    output_tokens: int = 0
    model_calls: int = 0
    latency_ms: int = 0
    model: str | None = None
    cost_usd: float = 0.0  # estimated, hosted-model calls only

    @property
    def tools(self) -> list[str]:
        return [str(call["name"]) for call in self.tool_calls]


@dataclass
class ModelUsage:
    """What the turns run under one `turn_usage` cost: model calls, tokens, estimated cost,
    and the fallbacks taken, by cause."""

    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    fallbacks: Counter[str] = field(default_factory=Counter)


# Set by a channel around one update to learn what its turn cost (metrics); None: no one counts.
turn_usage: ContextVar[ModelUsage | None] = ContextVar("turn_usage", default=None)


def _count_calls(output: AgentOutput) -> None:
    usage = turn_usage.get()
    if usage is not None:
        usage.model_calls += output.model_calls


def note_fallback(cause: str) -> None:
    """A model call of this unit of work fell back (or the turn hit its call limit)."""
    note_cause(cause)
    usage = turn_usage.get()
    if usage is not None:
        usage.fallbacks[cause] += 1


def charge(output: AgentOutput, meter: TurnMeter, llm: LLMSettings, **ids: str) -> None:
    """What the metered turn spent: on its output (stored with its reply), on the unit of
    work's tally (/metrics), and in one log line."""
    output.input_tokens, output.output_tokens = meter.tokens()
    output.cost_usd = meter.cost_usd(llm)
    usage = turn_usage.get()
    if usage is not None:
        usage.input_tokens += output.input_tokens
        usage.output_tokens += output.output_tokens
        usage.cost_usd += output.cost_usd
    log.info("turn.usage", input_tokens=output.input_tokens, output_tokens=output.output_tokens,
             cost_usd=round(output.cost_usd, 8), model=output.model,
             models=sorted(meter.usage.usage_metadata), model_calls=output.model_calls,
             fallback=",".join(sorted(meter.fallbacks)) or None, **ids)


def _text_of(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content.strip()
    parts = [block.get("text", "") if isinstance(block, dict) else str(block)
             for block in content]
    return "".join(parts).strip()


def collect(new_messages: list[BaseMessage], started: float) -> AgentOutput:
    """The reply, tool calls and model of the agent's new messages (tokens: `charge`)."""
    output = AgentOutput(text="", latency_ms=int((time.perf_counter() - started) * 1000))
    results: dict[str, Any] = {}
    for message in new_messages:
        if isinstance(message, ToolMessage):
            try:
                results[message.tool_call_id] = json.loads(str(message.content))
            except (TypeError, ValueError):
                results[message.tool_call_id] = str(message.content)
    for message in new_messages:
        if not isinstance(message, AIMessage):
            continue
        output.model_calls += not (message.response_metadata or {}).get("call_limit")
        output.model = (message.response_metadata or {}).get("model_name") or output.model
        for call in message.tool_calls:
            output.tool_calls.append({"name": call["name"], "args": call.get("args", {}),
                                      "result": results.get(call.get("id") or "")})
        text = _text_of(message)
        if text:
            output.text = text
    _count_calls(output)
    return output


async def run_agent(agent: Any, ctx: TurnContext, history: list[BaseMessage],
                    human: str) -> AgentOutput:
    messages = [*history, HumanMessage(human)]
    started = time.perf_counter()
    with turn_budget(ctx.settings.llm.turn_budget_seconds):
        result = await agent.ainvoke({"messages": messages}, context=ctx)
    return collect(result["messages"][len(messages):], started)


async def phrase_result(agent: Any, ctx: TurnContext, history: list[BaseMessage], human: str,
                        tool_name: str, result: dict[str, Any]) -> AgentOutput:
    """A button already ran a tool in code; the model only phrases its result."""
    call_id = f"action_{tool_name}"
    messages: list[BaseMessage] = [
        *history, HumanMessage(human),
        AIMessage("", tool_calls=[{"name": tool_name, "args": {}, "id": call_id,
                                   "type": "tool_call"}]),
        ToolMessage(json.dumps(result, default=str), tool_call_id=call_id, name=tool_name),
    ]
    started = time.perf_counter()
    with turn_budget(ctx.settings.llm.turn_budget_seconds):
        state = await agent.ainvoke({"messages": messages}, context=ctx)
    output = collect(state["messages"][len(messages):], started)
    output.tool_calls.insert(0, {"name": tool_name, "args": {}, "result": result})
    return output
