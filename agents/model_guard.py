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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from agents.agent_turn import note_fallback, turn_usage
from agents.model_budget import current_budget, estimated_cost
from config.settings import LLMSettings

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
    def __init__(self, hosted: BaseChatModel, llm: LLMSettings) -> None:
        super().__init__()
        self.hosted = hosted
        self.llm = llm

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
                self._count(message)
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

    def _count(self, message: AIMessage) -> None:
        # its tokens travel in the agent's messages; only the cost is added here
        budget = current_budget()
        usage = message.usage_metadata or {}
        if budget is not None:
            budget.cost_usd += estimated_cost(self.llm, int(usage.get("input_tokens", 0)),
                                              int(usage.get("output_tokens", 0)))


def note_hosted_usage(llm: LLMSettings, message: AIMessage) -> None:
    """Tokens and cost of a hosted call outside the agent's messages (the listing writer):
    added to the turn's, or straight to the unit of work's when no turn runs (a button)."""
    usage = message.usage_metadata or {}
    tokens_in, tokens_out = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    cost = estimated_cost(llm, tokens_in, tokens_out)
    budget = current_budget()
    if budget is not None:
        budget.input_tokens += tokens_in
        budget.output_tokens += tokens_out
        budget.cost_usd += cost
        return
    work = turn_usage.get()
    if work is not None:
        work.input_tokens += tokens_in
        work.output_tokens += tokens_out
        work.cost_usd += cost
