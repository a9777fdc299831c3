"""The scripted model replays its items in order and records every prompt it receives."""

from __future__ import annotations

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from agents.llm.models import ScriptedChatModel
from agents.llm.models.scripted import EXHAUSTED_REPLY


@tool
def make_offer(amount: float) -> dict:
    """Offer an amount for the product in focus."""
    return {"decision": "counter", "offer": str(amount), "counter": "600", "currency": "EUR",
            "reason": "within_range", "reserved": False}


PROMPT = [SystemMessage("## Context\nrole: buyer"), HumanMessage("te doy 400")]


def test_items_are_replayed_in_order_then_a_neutral_text() -> None:
    model = ScriptedChatModel([
        {"text": "Hola"},
        {"tool": "make_offer", "args": {"amount": 400}},
        {"tool": "check_availability"},
        AIMessage("ya hecho"),
    ])
    first, second, third, fourth, fifth = (model.invoke(PROMPT) for _ in range(5))
    assert (first.content, first.tool_calls) == ("Hola", [])
    assert [(c["name"], c["args"], c["id"]) for c in second.tool_calls] == [
        ("make_offer", {"amount": 400}, "scripted_1")]
    assert [(c["name"], c["args"], c["id"]) for c in third.tool_calls] == [
        ("check_availability", {}, "scripted_2")]
    assert fourth.content == "ya hecho"
    assert (fifth.content, fifth.tool_calls) == (EXHAUSTED_REPLY, [])
    assert model.remaining == 0


def test_push_appends_and_every_prompt_is_recorded_through_bindings() -> None:
    model = ScriptedChatModel(script=[{"text": "uno"}])
    bound = model.bind_tools([make_offer])
    assert bound.invoke(PROMPT).content == "uno"
    model.push([{"text": "dos", "tool": "make_offer", "args": {"amount": 1}}])
    reply = model.model_copy().invoke(PROMPT[:1])  # copies share the script and the record
    assert reply.content == "dos" and reply.tool_calls[0]["name"] == "make_offer"
    assert [len(prompt) for prompt in model.calls] == [2, 1]
    assert model.calls[0][1].content == "te doy 400"


@pytest.mark.parametrize("item", [
    {"tool": "make_offer", "arg": {"amount": 1}},
    {"args": {"amount": 1}},
    {"tool": "make_offer", "args": [400]},
    "make_offer",
])
def test_malformed_items_are_refused(item: object) -> None:
    with pytest.raises(ValueError, match="script item"):
        ScriptedChatModel([item])  # type: ignore[list-item]


def test_the_script_is_given_once() -> None:
    with pytest.raises(TypeError):
        ScriptedChatModel([{"text": "a"}], script=[{"text": "b"}])
    assert ScriptedChatModel(items=[{"text": "a"}]).remaining == 1


def test_metadata_on_every_reply() -> None:
    model = ScriptedChatModel([{"tool": "make_offer", "args": {"amount": 400}}])
    reply = model.invoke(PROMPT)
    assert reply.response_metadata["model_name"] == "scripted"
    usage = reply.usage_metadata
    assert usage is not None and usage["input_tokens"] >= 1 and usage["output_tokens"] >= 1
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert model._llm_type == "marketbot-scripted"


def test_streaming_keeps_the_scripted_tool_call() -> None:
    model = ScriptedChatModel([{"tool": "make_offer", "args": {"amount": 400}}])
    calls = [call for chunk in model.stream(PROMPT) for call in chunk.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [("make_offer", {"amount": 400})]


async def test_agent_runs_the_scripted_tool_and_stops_when_the_script_ends() -> None:
    model = ScriptedChatModel([{"tool": "make_offer", "args": {"amount": 400}}])
    agent = create_agent(model, [make_offer], system_prompt="## Context\nrole: buyer")
    state = await agent.ainvoke({"messages": [HumanMessage("te doy 400")]})
    kinds = [type(message).__name__ for message in state["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    tool_message = state["messages"][2]
    assert isinstance(tool_message, ToolMessage) and '"counter": "600"' in tool_message.content
    assert state["messages"][-1].content == EXHAUSTED_REPLY
    assert len(model.calls) == 2 and isinstance(model.calls[1][-1], ToolMessage)
