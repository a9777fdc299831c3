"""Guarding the hosted model's calls: answers that say nothing, the time budget, the causes.

`HostedModelGuard` sits between LangChain's `ModelFallbackMiddleware` (outside) and
`ModelRetryMiddleware` (inside), around calls to the hosted model only:

- an answer with no text and no tool call (blocked for safety, a blocked prompt, an empty or a
  malformed function call) raises `NoAnswer`, so the fallback answers; it is not retried, since
  the same request would be refused again;
- the retries together get what is left of the turn's time budget (agents.model_budget); past
  it the call is abandoned and the fallback answers;
- once the turn fell back, its later calls go to the fallback directly;
- every fallback is logged with its cause and noted on the turn's usage (`/metrics`).

Tokens and cost are not counted here: the turn's meter (agents/turn_meter.py) gets every call's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from agents.agent_turn import note_fallback
from agents.model_budget import current_budget

log = structlog.get_logger(__name__)

_REFUSALS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
             "IMAGE_SAFETY", "LANGUAGE"}


class NoAnswer(Exception):
    """The hosted model answered, but with nothing a user can be given."""

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause


class StayOnFallback(Exception):
    """This turn already fell back (its cause was counted then)."""


def answer_problem(message: AIMessage) -> str | None:
    """Why `message` cannot be used as an answer, or None when it can."""
    metadata = message.response_metadata or {}
    finish = str(metadata.get("finish_reason") or "")
    if finish in _REFUSALS:
        return "safety"
    if (metadata.get("prompt_feedback") or {}).get("block_reason"):
        return "prompt_blocked"
    if message.tool_calls or message.text.strip():
        return None
    return "malformed_function_call" if finish == "MALFORMED_FUNCTION_CALL" else "empty"


def failure_cause(exc: BaseException) -> str:
    """A short, stable label for why a hosted call failed (for logs and metrics)."""
    if isinstance(exc, NoAnswer):
        return exc.cause
    if isinstance(exc, TimeoutError):
        return "time_budget"
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "code", None) or getattr(seen, "status_code", None)
        if isinstance(code, int):
            if code == 429:
                return "rate_limited"
            return "server_error" if code >= 500 else f"http_{code}"
        seen = seen.__cause__
    return "error"


def retryable(exc: BaseException) -> bool:
    """For ModelRetryMiddleware: a refused request (4xx but 429) would be refused again."""
    return isinstance(exc, Exception) and not failure_cause(exc).startswith("http_")


class HostedModelGuard(AgentMiddleware):
    def __init__(self, hosted: BaseChatModel) -> None:
        super().__init__()
        self.hosted = hosted

    def wrap_model_call(self, request: ModelRequest, handler: Callable[..., Any]) -> Any:
        return handler(request)  # the agents run async; a sync run is not budgeted

    async def awrap_model_call(self, request: ModelRequest,
                               handler: Callable[..., Awaitable[Any]]) -> Any:
        if request.model is not self.hosted:
            return await handler(request)
        budget = current_budget()
        if budget is not None and budget.fell_back:
            raise StayOnFallback(budget.fell_back)
        try:
            remaining = budget.remaining() if budget is not None else None
            if remaining is not None and remaining <= 0:
                raise TimeoutError("the turn's time budget is spent")
            async with asyncio.timeout(remaining):
                response = await handler(request)
            message = next((m for m in reversed(response.result) if isinstance(m, AIMessage)),
                           None)
            if message is not None:
                problem = answer_problem(message)
                if problem:
                    raise NoAnswer(problem, str(message.response_metadata.get(
                        "finish_message") or ""))
            return response
        except Exception as exc:
            cause = failure_cause(exc)
            log.warning("model.fallback", cause=cause, error=type(exc).__name__,
                        detail=str(exc)[:200])
            note_fallback(cause)
            if budget is not None:
                budget.fell_back = cause
            raise
