"""What one turn spent on models: tokens and an estimated cost, counted by LangChain's
usage-metadata callback, and the causes of the fallbacks it took.

Inside `metering()`, every chat-model call reports its `usage_metadata` to the turn's
`UsageMetadataCallbackHandler`, by model name: the agent's calls, the listing writer's inside a
tool, a Regenerate button's before the model phrases its result. The handler sits in a
ContextVar that LangChain's callback configuration reads (`register_configure_hook`, once,
here): `get_usage_metadata_callback` registers a new hook every time it is entered, into a
process-wide list that every model call then walks, so entering it once per turn would make
each call slower for the life of the bot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.tracers.context import register_configure_hook

from config.settings import LLMSettings

# The rule-based models run here and cost nothing (agents/models); every other name is hosted.
LOCAL_MODELS = frozenset({"offline", "scripted"})


class _UsageHandler(UsageMetadataCallbackHandler):
    # Run inline: a sync handler is otherwise called in a worker thread, for every event of
    # the run (its work is a dict update). Chain, tool and retriever events are not its
    # business; LLM events are (`on_llm_end` carries the usage).
    run_inline = True
    ignore_chain = True
    ignore_agent = True
    ignore_retriever = True
    ignore_custom_event = True


@dataclass
class TurnMeter:
    usage: UsageMetadataCallbackHandler = field(default_factory=_UsageHandler)
    fallbacks: Counter[str] = field(default_factory=Counter)  # cause -> calls that fell back

    def tokens(self) -> tuple[int, int]:
        """(input, output) tokens of every model call of the turn, local ones included."""
        counted = self.usage.usage_metadata.values()
        return (sum(u.get("input_tokens", 0) for u in counted),
                sum(u.get("output_tokens", 0) for u in counted))

    def cost_usd(self, llm: LLMSettings) -> float:
        """Estimated US dollars of the hosted calls, at the configured prices."""
        return sum(estimated_cost(llm, u.get("input_tokens", 0), u.get("output_tokens", 0))
                   for name, u in self.usage.usage_metadata.items() if name not in LOCAL_MODELS)


_current: ContextVar[UsageMetadataCallbackHandler | None] = ContextVar("turn_usage_handler",
                                                                       default=None)
_meter: ContextVar[TurnMeter | None] = ContextVar("turn_meter", default=None)
register_configure_hook(_current, inheritable=True)


@contextmanager
def metering() -> Iterator[TurnMeter]:
    """Count the model calls made inside (a nested `metering` counts its own calls only)."""
    meter = TurnMeter()
    tokens = _current.set(meter.usage), _meter.set(meter)
    try:
        yield meter
    finally:
        _current.reset(tokens[0])
        _meter.reset(tokens[1])


def note_cause(cause: str) -> None:
    """A call of the metered turn fell back (for the turn's log line)."""
    meter = _meter.get()
    if meter is not None:
        meter.fallbacks[cause] += 1


def estimated_cost(llm: LLMSettings, input_tokens: int, output_tokens: int) -> float:
    """US dollars at the configured per-million-token prices."""
    return (input_tokens * llm.input_usd_per_million
            + output_tokens * llm.output_usd_per_million) / 1_000_000
