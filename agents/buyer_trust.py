"""A buyer's trust score recomputed from their whole history (plain code, no framework).

The chat applies fraud penalties as they happen; the recompute starts again from the neutral
score and replays what is on record, so the score also rises with completed purchases and a
verified identity. The score stays within 0..1 with two decimals. It blocks no one: a chat is
closed by the graded fraud rules (agents.fraud_policy), per seller, and only an operator sets
the global block, which the recompute keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from agents.fraud_signals import PENALTIES, FraudKind

NEUTRAL = Decimal("0.50")
VERIFIED_BONUS = Decimal("0.10")
PURCHASE_BONUS = Decimal("0.10")
MAX_PURCHASE_BONUS = Decimal("0.30")


@dataclass(frozen=True)
class BuyerRecord:
    purchases: int
    verified: bool
    fraud_kinds: tuple[str, ...]  # every signal recorded on their conversations
    blocked: bool = False


@dataclass(frozen=True)
class TrustVerdict:
    score: Decimal
    blocked: bool


def _penalty(kinds: Iterable[str]) -> Decimal:
    total = Decimal(0)
    for kind in kinds:
        try:
            total += PENALTIES[FraudKind(kind)]
        except ValueError:
            continue  # a signal name from an older rule set: no longer priced
    return total


def trust_score(record: BuyerRecord) -> TrustVerdict:
    score = NEUTRAL
    if record.verified:
        score += VERIFIED_BONUS
    score += min(PURCHASE_BONUS * max(record.purchases, 0), MAX_PURCHASE_BONUS)
    score -= _penalty(record.fraud_kinds)
    score = min(max(score, Decimal(0)), Decimal(1)).quantize(Decimal("0.01"))
    return TrustVerdict(score=score, blocked=record.blocked)
