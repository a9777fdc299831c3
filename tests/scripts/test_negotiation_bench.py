"""The negotiation benchmark's short form: the script runs the real bot and reports figures;
no deal is ever made below the floor (the figures themselves are the benchmark's, not a test's).
"""

from __future__ import annotations

import json
import random

from agents.negotiation import NegotiationAction, NegotiationPolicy, decide
from bot.devtools.negotiation_bench.buyer import SimulatedBuyer
from bot.devtools.negotiation_bench.scenarios import make_scenarios


def test_simulated_buyers_never_get_a_deal_below_the_floor_from_the_policy() -> None:
    """The same buyers as the benchmark, against the policy alone, over many scenarios."""
    policy = NegotiationPolicy()
    for scenario in make_scenarios(300, seed=3):
        buyer = SimulatedBuyer(scenario.price, scenario.target_ratio, scenario.bottomline,
                               scenario.language, scenario.currency,
                               random.Random(scenario.number))
        move, counters, offers = buyer.opening(), [], []
        for _ in range(20):
            if move.text is None or move.kind == "accept":
                break
            assert move.amount is not None and move.amount <= scenario.bottomline
            decision = decide(policy, price=scenario.price, floor=scenario.floor,
                              offer=move.amount, previous_counters=counters,
                              previous_offers=offers, buyer_final=move.kind == "final")
            offers.append(move.amount)
            if decision.action is NegotiationAction.ACCEPT:
                assert decision.amount is not None and decision.amount >= scenario.floor
                break
            if decision.amount is not None:
                assert decision.amount > scenario.floor or decision.amount == scenario.price
                counters.append(decision.amount)
            move = buyer.respond(min(counters) if counters else None, decision.final, False)


async def test_the_script_haggles_through_the_local_server(run_script) -> None:
    """As an operator runs it (its own process: the embedded servers it attaches to and
    leaves are shared with this test session's), the local server and the whole bot, for
    3 buyers."""
    run = await run_script("negotiation_bench.py", "--scenarios", "3", "--json",
                           database_url=None)
    assert run.returncode == 0, run
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["scenarios"] == 3 and figures["errors"] == 0
    assert figures["below_floor"] == 0 and figures["infeasible_deals"] == 0
    assert 0 <= figures["deal_rate"] <= 1
    assert "deal rate" in run.stdout and "surplus captured" in run.stdout
