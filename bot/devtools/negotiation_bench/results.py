"""The negotiation benchmark's figures, and its targets.

On scenarios where a deal is possible (bottomline >= floor): the deal rate, the surplus the bot
captured for the seller ((deal - floor) / (bottomline - floor), mean over deals) and the buyer
turns (median); on every scenario, deals below the floor (must be none).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.devtools.negotiation_bench.scenarios import Scenario

TARGET_DEAL_RATE = 0.9
TARGET_SURPLUS = 0.7
TARGET_MEDIAN_TURNS = 8


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    deal: Decimal | None
    buyer_turns: int
    errors: int = 0


def _surplus(outcome: Outcome) -> float:
    assert outcome.deal is not None
    room = outcome.scenario.bottomline - outcome.scenario.floor
    if room <= 0:
        return 1.0  # bottomline at the floor: any deal at/above it takes all there was
    return float((outcome.deal - outcome.scenario.floor) / room)


def summarize(outcomes: list[Outcome], options: dict[str, Any]) -> dict[str, Any]:
    feasible = [o for o in outcomes if o.scenario.feasible]
    deals = [o for o in feasible if o.deal is not None]
    below = [o for o in outcomes if o.deal is not None and o.deal < o.scenario.floor]
    figures: dict[str, Any] = {
        "scenarios": len(outcomes),
        "feasible": len(feasible),
        "deals": len(deals),
        "deal_rate": round(len(deals) / len(feasible), 3) if feasible else 0.0,
        "surplus": round(statistics.mean(map(_surplus, deals)), 3) if deals else 0.0,
        "median_buyer_turns": statistics.median(o.buyer_turns for o in feasible)
        if feasible else 0,
        "below_floor": len(below),
        "infeasible_deals": sum(1 for o in outcomes if not o.scenario.feasible and o.deal),
        "errors": sum(o.errors for o in outcomes),
        "options": options,
    }
    figures["targets_met"] = (figures["deal_rate"] >= TARGET_DEAL_RATE
                              and figures["surplus"] >= TARGET_SURPLUS
                              and figures["below_floor"] == 0
                              and figures["median_buyer_turns"] <= TARGET_MEDIAN_TURNS)
    return figures


def format_report(figures: dict[str, Any]) -> str:
    return "\n".join([
        f"negotiation benchmark: {figures['scenarios']} scenarios, {figures['feasible']} with "
        "room for a deal",
        f"  deal rate          {figures['deal_rate']:.3f}  (target >= {TARGET_DEAL_RATE})",
        f"  surplus captured   {figures['surplus']:.3f}  (target >= {TARGET_SURPLUS})",
        f"  median buyer turns {figures['median_buyer_turns']}  (target <= "
        f"{TARGET_MEDIAN_TURNS})",
        f"  deals below floor  {figures['below_floor']}  (must be 0)",
        f"  targets met        {'yes' if figures['targets_met'] else 'no'}",
    ])
