"""Negotiation benchmark: simulated buyers (CraigslistBargain-style rule-based hagglers) against
the whole bot on the local Bot API server. `scripts/negotiation_bench.py` runs it."""

from bot.devtools.negotiation_bench.results import format_report
from bot.devtools.negotiation_bench.runner import BenchOptions, run_negotiation_bench

__all__ = ["BenchOptions", "format_report", "run_negotiation_bench"]
