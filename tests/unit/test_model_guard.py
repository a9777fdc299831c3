"""What the guard of hosted-model calls reads as "no answer", and which failures it retries."""

from __future__ import annotations

from google.genai import errors
from langchain_core.messages import AIMessage

from agents.model_guard import NoAnswer, answer_problem, failure_cause, retryable


def test_answers_with_nothing_for_the_user_are_problems_and_real_answers_are_not() -> None:
    assert answer_problem(AIMessage("Sí, sigue disponible.")) is None
    assert answer_problem(AIMessage("", tool_calls=[
        {"name": "make_offer", "args": {"amount": 400}, "id": "c1"}])) is None
    assert answer_problem(AIMessage("", response_metadata={"finish_reason": "STOP"})) == "empty"
    assert answer_problem(AIMessage("", response_metadata={
        "finish_reason": "MALFORMED_FUNCTION_CALL"})) == "malformed_function_call"
    assert answer_problem(AIMessage("", response_metadata={
        "prompt_feedback": {"block_reason": 1}})) == "prompt_blocked"
    # a refusal counts even when some text came with it
    assert answer_problem(AIMessage("Lo sient", response_metadata={
        "finish_reason": "SAFETY"})) == "safety"


def test_failures_are_labelled_and_only_those_worth_repeating_are_retried() -> None:
    limited = errors.ClientError(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})
    refused = errors.ClientError(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}})
    down = errors.ServerError(503, {"error": {"code": 503, "status": "UNAVAILABLE"}})
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = down
    assert [failure_cause(e) for e in (limited, refused, down, wrapped)] == [
        "rate_limited", "http_400", "server_error", "server_error"]
    assert failure_cause(TimeoutError()) == "time_budget"
    assert failure_cause(NoAnswer("safety")) == "safety"
    assert retryable(limited) and retryable(down) and not retryable(refused)
