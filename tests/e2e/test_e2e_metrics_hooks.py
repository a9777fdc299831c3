"""The metrics hooks without a bot: what a unit of work notes is what the counters show."""

from __future__ import annotations

import pytest

from agents.agent_turn import AgentOutput, charge, collect
from agents.turn_meter import metering
from bot.metrics import BotMetrics, note_send_failed, note_sent


def test_what_an_update_notes_becomes_counts_of_this_registry_only() -> None:
    metrics, other = BotMetrics(), BotMetrics()
    with metrics.observing("message"):
        note_sent("buyer")
        note_sent("seller")
        note_sent("buyer")
        note_send_failed()
        collect([], 0.0)  # an agent turn that made no model call
    with metrics.observing(None):  # start-up recovery: replies count, updates do not
        note_sent("buyer")
    note_sent("buyer")  # outside any unit of work: nobody counts

    assert metrics.value("updates_handled_total", kind="message") == 1
    assert metrics.value("replies_total", role="buyer") == 3
    assert metrics.value("replies_total", role="seller") == 1
    assert metrics.value("errors_total", kind="send") == 1
    assert metrics.value("update_reply_latency_seconds_count") == 2
    assert other.value("replies_total", role="buyer") == 0
    assert b'tokens_total{direction="input"} 0.0' in metrics.exposition()


def test_model_usage_of_agent_turns_is_counted_and_a_raising_update_is_an_error(
        settings) -> None:
    from langchain_core.messages import HumanMessage

    from agents.models.offline import OfflineChatModel

    metrics = BotMetrics()
    with pytest.raises(RuntimeError), metrics.observing("callback_query"):
        with metering() as meter:  # what the turn's calls report, by LangChain's callback
            replies = [OfflineChatModel().invoke([HumanMessage("hola, ¿sigue disponible?")])
                       for _ in range(2)]
        output: AgentOutput = collect(replies, 0.0)
        assert output.model_calls == 2
        charge(output, meter, settings.llm)
        raise RuntimeError("handler failed")

    tokens = [sum(r.usage_metadata[k] for r in replies) for k in ("input_tokens",
                                                                  "output_tokens")]
    assert tokens[0] > 0 and meter.tokens() == tuple(tokens)
    assert metrics.value("model_calls_total") == 2
    assert metrics.value("tokens_total", direction="input") == tokens[0]
    assert metrics.value("tokens_total", direction="output") == tokens[1]
    assert metrics.value("model_cost_usd_total") == 0  # the offline model is free
    assert metrics.value("errors_total", kind="update") == 1
    assert metrics.value("updates_handled_total", kind="callback_query") == 1
    assert metrics.value("update_reply_latency_seconds_count") == 0  # nothing was sent
