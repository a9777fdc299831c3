"""What the offline model knows at one call: the Context block, the speaker's last message and
the tool results that came back since then.

The agent's system prompt ends with a block the offline model reads:

    ## Context
    role: buyer
    language: es
    speaker_name: Luis
    product_title: iPhone 13 Pro 128GB
    product_price: 650
    currency: EUR
    product_status: available
    product_condition: used
    product_description: Batería al 89%, con caja y cargador.
    product_attributes: {"BRAND": "Apple"}
    conversation_state: negotiating
    standing_counter: 600

One `key: value` per line, until a blank line, another heading or the end. Unknown keys are
kept; a value "none"/"null"/"-" or an empty one counts as absent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agents.intents import ParsedMessage, read_message

_CONTEXT_HEADING = re.compile(r"^#+\s*context\s*$", re.IGNORECASE | re.MULTILINE)
_CONTEXT_LINE = re.compile(r"^\s*([A-Za-z_][\w ]*?)\s*:\s*(.*?)\s*$")
_ABSENT = {"", "none", "null", "-", "n/a"}


def parse_context(system_text: str) -> dict[str, str]:
    """The `## Context` block of a system prompt as a dict (empty when there is none)."""
    # The first block is the service's; anything after it (a summary of earlier messages that
    # quotes a buyer, say) must not be able to pass for it.
    heading = _CONTEXT_HEADING.search(system_text)
    if heading is None:
        return {}
    context: dict[str, str] = {}
    for line in system_text[heading.end() :].splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            if context:
                break
            continue
        match = _CONTEXT_LINE.match(line)
        if not match:
            break
        value = re.sub(r"\s{2,}\(.*\)$", "", match.group(2)).strip()  # drop "   (a note)"
        if value.lower() not in _ABSENT:
            context[match.group(1).strip().lower().replace(" ", "_")] = value
    return context


def text_of(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of content blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def result_of(message: ToolMessage) -> dict[str, Any]:
    """A tool result as the contract's dict; plain text becomes {"message": text}."""
    content: Any = message.content
    if isinstance(content, list):
        content = text_of(message)
    if isinstance(content, dict):
        return content
    try:
        parsed = json.loads(content)
    except (TypeError, ValueError):
        return {"message": str(content)}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


@dataclass
class ToolOutcome:
    """One tool call of this turn with the result that came back."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]

    @property
    def error(self) -> str | None:
        code = self.result.get("error")
        return str(code) if code else None


@dataclass
class Turn:
    """The conversation as the offline model sees it at one call."""

    context: dict[str, str]
    human_text: str
    parsed: ParsedMessage
    tools: frozenset[str]
    outcomes: list[ToolOutcome] = field(default_factory=list)
    waiting_for_tools: bool = False
    previous_reply: str = ""  # the bot's message the speaker is answering, if any

    @property
    def role(self) -> str:
        return self.context.get("role", "buyer").lower()

    @property
    def language(self) -> str:
        return self.parsed.language

    def can(self, tool_name: str) -> bool:
        return tool_name in self.tools

    def called(self, tool_name: str) -> bool:
        return any(outcome.name == tool_name for outcome in self.outcomes)


@dataclass
class Step:
    """A reply text, or tool calls (name, args) for the agent to run first."""

    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def as_number(amount: object) -> int | float:
    """An amount for a tool argument: an int when whole, else a float (JSON-friendly)."""
    value = Decimal(str(amount))
    return int(value) if value == value.to_integral_value() else float(value)


def read_turn(messages: list[BaseMessage], tool_names: frozenset[str]) -> Turn:
    """Split the prompt into context, the last human message and this turn's tool outcomes."""
    system = "\n".join(text_of(m) for m in messages if isinstance(m, SystemMessage))
    context = parse_context(system)
    last_human = max(
        (i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1
    )
    human_text = text_of(messages[last_human]) if last_human >= 0 else ""
    hint = context.get("language")
    role = "seller" if context.get("role", "").lower() == "seller" else "buyer"
    parsed = read_message(human_text, hint, role=role)
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    outcomes: list[ToolOutcome] = []
    for message in messages[last_human + 1 :]:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[str(call.get("id"))] = (call["name"], dict(call.get("args") or {}))
        elif isinstance(message, ToolMessage):
            name, args = calls.get(str(message.tool_call_id), (message.name or "", {}))
            outcomes.append(ToolOutcome(name or message.name or "", args, result_of(message)))
    waiting = bool(messages) and isinstance(messages[-1], ToolMessage)
    before = messages[last_human - 1] if last_human >= 1 else None
    previous = text_of(before) if isinstance(before, AIMessage) else ""
    return Turn(context, human_text, parsed, tool_names, outcomes, waiting, previous)
