"""The fault suite: the bot as a real process against the local Bot API server and throwaway
PostgreSQL and Redis, broken in the ways production breaks it (redelivered updates, a killed
worker, Redis and PostgreSQL going away, the model unreachable or hanging, people over the rate
limit, malformed webhook bodies), and every message counted: answered once, twice, or never.
`scripts/chaos.py` runs it; `tests/chaos/` runs a short form of each scenario.
"""

from bot.devtools.chaos.harness import Harness, harness
from bot.devtools.chaos.outcome import Outcome, summary, summary_line
from bot.devtools.chaos.scenarios import SCENARIOS, run_scenario

__all__ = ["SCENARIOS", "Harness", "Outcome", "harness", "run_scenario", "summary",
           "summary_line"]
