"""What the chat does about a buyer's scam signals: warn, close the chat, or pass it on.

Plain rules from the seller's side of the risk. One strong signal closes the chat; a soft one
gets a warning and the chat goes on; soft ones repeated after warnings close it. Once the buyer
has a deal (reserved or sold to them), asking for a phone or WhatsApp is how the hand-over is
arranged: it goes to the seller. What is recorded per chat is the list of signal kinds
(`conversations.fraud_signals`); a seller's unblock adds UNBLOCKED, and warnings count again
from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from agents.fraud_signals import CONTACT_KINDS, STRONG_KINDS, FraudKind, FraudSignal

# Soft signals a chat takes (with a warning each) before the next one closes it.
SOFT_WARNINGS = 2
UNBLOCKED = "unblocked_by_seller"  # the marker written into a chat's recorded signals

Action = Literal["warn", "last_warning", "block", "pass_to_seller"]


@dataclass(frozen=True)
class FraudVerdict:
    action: Action
    signals: tuple[FraudSignal, ...]  # the signals that count (all of them, or the contact ones)

    @property
    def kinds(self) -> list[str]:
        return sorted({str(signal.kind) for signal in self.signals})


def soft_signals_on_record(recorded: Sequence[str]) -> int:
    """Soft signals recorded in a chat since the seller last unblocked the buyer."""
    since = list(recorded)
    if UNBLOCKED in since:
        since = since[len(since) - since[::-1].index(UNBLOCKED):]
    count = 0
    for kind in since:
        try:
            count += FraudKind(kind) not in STRONG_KINDS
        except ValueError:
            continue  # a marker or a name from an older rule set
    return count


def fraud_verdict(signals: Sequence[FraudSignal], *, recorded: Sequence[str],
                  has_deal: bool) -> FraudVerdict:
    """The action for a message's signals (at least one). `recorded`: the kinds the chat
    recorded before; `has_deal`: the product is reserved for or sold to this buyer."""
    if has_deal and all(signal.kind in CONTACT_KINDS for signal in signals):
        return FraudVerdict("pass_to_seller", tuple(signals))
    counting = tuple(s for s in signals if not (has_deal and s.kind in CONTACT_KINDS))
    if any(signal.kind in STRONG_KINDS for signal in counting):
        return FraudVerdict("block", counting)
    soft = soft_signals_on_record(recorded) + len({s.kind for s in counting})
    if soft > SOFT_WARNINGS:
        return FraudVerdict("block", counting)
    return FraudVerdict("last_warning" if soft == SOFT_WARNINGS else "warn", counting)
