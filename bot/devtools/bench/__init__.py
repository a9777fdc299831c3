"""Load benchmark of the whole stack on the local Bot API server, in one process.

`run_bench(settings, BenchOptions(...))` measures the pipeline (Dispatcher, middlewares,
conversation service, agents on the offline model, PostgreSQL, Redis) and, on the same server,
a bare aiogram echo bot: throughput at saturation, update-to-reply latency at a steady rate,
and per-message model calls, database round trips and Redis calls. `scripts/bench.py` runs it.
"""

from bot.devtools.bench.results import TARGET_P99_MS, TARGET_RATIO, format_report
from bot.devtools.bench.runner import BenchOptions, run_bench

__all__ = ["TARGET_P99_MS", "TARGET_RATIO", "BenchOptions", "format_report", "run_bench"]
