"""Gemini's wire format: a generateContent request read into plain data, answers and errors
written as the real API writes them (camelCase JSON, `candidates`, `usageMetadata`,
`promptFeedback`, Google's error object).

The request is also turned into LangChain messages, so a LangChain chat model can play the
brain behind the double.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

MODES = ("ok", "safety", "prompt_blocked", "empty", "429", "500", "slow", "bad_function_call")

_ERRORS = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                               "established identity). Please use API Key or other form of "
                               "API consumer identity to call this API."),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
                      "https://developers.generativeai.google/guide/troubleshooting"),
}


def field_of(data: dict[str, Any], name: str, default: Any = None) -> Any:
    """A field by its camelCase name or its snake_case one (the API takes both; google-genai
    sends some of each)."""
    if name in data:
        return data[name]
    return data.get(re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower(), default)


class RequestError(ValueError):
    """A request the real API would refuse with 400 INVALID_ARGUMENT."""


@dataclass
class GeminiRequest:
    """What one generateContent call asked for."""

    model: str
    body: dict[str, Any]
    system: str
    contents: list[dict[str, Any]]
    tool_names: list[str]
    wants_json: bool

    @property
    def images(self) -> list[dict[str, Any]]:
        """The inline images of the request (`{"mimeType", "data"}`, base64)."""
        return [field_of(part, "inlineData") for turn in self.contents
                for part in turn.get("parts", []) if field_of(part, "inlineData")]

    def last_user_text(self) -> str:
        for turn in reversed(self.contents):
            if turn.get("role", "user") == "user":
                texts = [p["text"] for p in turn.get("parts", []) if "text" in p]
                if texts:
                    return "\n".join(texts)
        return ""

    def language(self) -> str:
        found = re.search(r"\blanguage:\s*([a-z]{2})\b", self.system, re.IGNORECASE)
        return found.group(1).lower() if found else "es"


@dataclass
class Reply:
    """A brain's answer: Gemini parts (`{"text"}` / `{"functionCall"}`) and token counts."""

    parts: list[dict[str, Any]]
    input_tokens: int = 0
    output_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Brain(Protocol):
    async def reply(self, request: GeminiRequest) -> Reply: ...


def read_request(model: str, body: Any) -> GeminiRequest:
    if not isinstance(body, dict):
        raise RequestError("Invalid JSON payload received.")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise RequestError("* GenerateContentRequest.contents: contents is not specified")
    for turn in contents:
        if not isinstance(turn, dict) or not isinstance(turn.get("parts"), list):
            raise RequestError("* GenerateContentRequest.contents[].parts: required")
        if turn.get("role", "user") not in ("user", "model"):
            raise RequestError("Please use a valid role: user, model.")
    system = field_of(body, "systemInstruction") or {}
    system_text = "\n".join(p.get("text", "") for p in system.get("parts", []))
    names = [declaration["name"] for tool in body.get("tools") or []
             for declaration in field_of(tool, "functionDeclarations") or []]
    config = field_of(body, "generationConfig") or {}
    return GeminiRequest(model=model, body=body, system=system_text, contents=contents,
                         tool_names=names,
                         wants_json=field_of(config, "responseMimeType") == "application/json")


def to_messages(request: GeminiRequest) -> list[BaseMessage]:
    """The request as LangChain messages: functionCall/functionResponse pairs become tool calls
    and tool messages (ids made up in order, since Gemini pairs them by name)."""
    messages: list[BaseMessage] = [SystemMessage(request.system)] if request.system else []
    pending: list[tuple[str, str]] = []  # (name, id) of calls awaiting their response
    for index, turn in enumerate(request.contents):
        parts = turn["parts"]
        if turn.get("role") == "model":
            found = [field_of(p, "functionCall") for p in parts]
            calls = [{"name": c["name"], "args": c.get("args") or {}, "id": f"call_{index}_{n}",
                      "type": "tool_call"} for n, c in enumerate(found) if c]
            pending = [(c["name"], c["id"]) for c in calls]
            text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
            messages.append(AIMessage(text, tool_calls=calls))
            continue
        texts = []
        for part in parts:
            response = field_of(part, "functionResponse")
            if response:
                call_id = next((cid for name, cid in pending if name == response["name"]),
                               f"call_{index}")
                pending = [(n, c) for n, c in pending if c != call_id]
                messages.append(ToolMessage(json.dumps(response.get("response"),
                                                       ensure_ascii=False),
                                            tool_call_id=call_id, name=response["name"]))
            elif "text" in part:
                texts.append(part["text"])
        if texts:
            messages.append(HumanMessage("\n".join(texts)))
    return messages


def usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens,
            "totalTokenCount": input_tokens + output_tokens}


def answer(model: str, reply: Reply) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": reply.parts},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": usage(reply.input_tokens, reply.output_tokens),
            "modelVersion": model, "responseId": reply.extra.get("id", "local")}


_BLOCKED_RATINGS = [
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
]


def fault(model: str, mode: str, input_tokens: int) -> dict[str, Any]:
    """A 200 answer that carries no usable content, as Gemini sends them."""
    if mode == "safety":  # the answer was blocked
        candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _BLOCKED_RATINGS}
    elif mode == "bad_function_call":
        candidate = {"content": {"role": "model"}, "finishReason": "MALFORMED_FUNCTION_CALL",
                     "finishMessage": "Malformed function call: print(default_api."
                                      "make_offer(amount=cuatrocientos))", "index": 0}
    elif mode == "prompt_blocked":  # the prompt was blocked: no candidate at all
        return {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": _BLOCKED_RATINGS},
                "usageMetadata": usage(input_tokens, 0), "modelVersion": model}
    else:  # empty: a finished answer with nothing in it
        candidate = {"content": {"role": "model"}, "finishReason": "STOP", "index": 0}
    return {"candidates": [candidate], "usageMetadata": usage(input_tokens, 0),
            "modelVersion": model}


def error(code: int, message: str | None = None) -> dict[str, Any]:
    """Google's error object: `{"error": {"code", "message", "status"}}`."""
    status, default = _ERRORS.get(code, ("UNKNOWN", "Unknown error."))
    return {"error": {"code": code, "message": message or default, "status": status}}


def estimate_tokens(request: GeminiRequest) -> int:
    """About four characters a token (an image counts as Gemini's 258)."""
    chars = len(request.system) + sum(len(json.dumps(p, ensure_ascii=False))
                                      for turn in request.contents for p in turn["parts"]
                                      if not field_of(p, "inlineData"))
    return max(1, chars // 4) + 258 * len(request.images)
