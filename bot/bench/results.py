"""Turning the phases' measurements into the benchmark's figures, and printing them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.bench.load import PhaseResult

TARGET_RATIO = 0.3  # the pipeline's throughput against the bare echo bot's, at least
TARGET_P99_MS = 25.0  # update-to-reply p99 at the steady rate, at most


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _per(count: float, messages: int) -> float:
    return round(count / messages, 2) if messages else 0.0


def summarize(*, echo_saturation: PhaseResult, echo_steady: PhaseResult,
              saturation: PhaseResult, steady: PhaseResult, counts: dict[str, int],
              replies: int, errors: int, first_error: str | None, peak_rss_mb: float,
              options: dict[str, Any]) -> dict[str, Any]:
    """The figures of one run. `counts` are the probes' deltas over the two measured pipeline
    phases; `replies` the bot messages those phases put in the load's chats; `errors` the
    error log records while the pipeline ran (a run with errors measured something else)."""
    pipeline_rate = saturation.rate
    echo_rate = echo_saturation.rate
    ratio = pipeline_rate / echo_rate if echo_rate else 0.0
    p99 = percentile(steady.latencies, 0.99)
    messages = saturation.answered + steady.answered
    return {
        "pipeline_msgs_per_s": round(pipeline_rate, 1),
        "echo_msgs_per_s": round(echo_rate, 1),
        "ratio": round(ratio, 3),
        "p50_ms": _ms(percentile(steady.latencies, 0.5)),
        "p99_ms": _ms(p99),
        "echo_p50_ms": _ms(percentile(echo_steady.latencies, 0.5)),
        "echo_p99_ms": _ms(percentile(echo_steady.latencies, 0.99)),
        "saturated_p50_ms": _ms(percentile(saturation.latencies, 0.5)),
        "saturated_p99_ms": _ms(percentile(saturation.latencies, 0.99)),
        "schedule_lag_p99_ms": _ms(percentile(steady.schedule_lags, 0.99)),
        "pipeline_cpu_ms_per_msg": _ms(saturation.cpu_per_message),
        "echo_cpu_ms_per_msg": _ms(echo_saturation.cpu_per_message),
        "steady_msgs_per_s": round(steady.sent / steady.elapsed, 1) if steady.elapsed else 0.0,
        "model_calls_per_msg": _per(counts["model_calls"], messages),
        "db_round_trips_per_msg": _per(counts["db_round_trips"], messages),
        "db_statements_per_msg": _per(counts["db_statements"], messages),
        "db_transactions_per_msg": _per(counts["db_transactions"], messages),
        "db_checkouts_per_msg": _per(counts["db_checkouts"], messages),
        "redis_calls_per_msg": _per(counts["redis_calls"], messages),
        "replies_per_msg": _per(replies, messages),
        "messages": messages,
        "timeouts": saturation.timed_out + steady.timed_out + echo_saturation.timed_out
        + echo_steady.timed_out,
        "errors": errors,
        "first_error": first_error,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "ratio_ok": ratio >= TARGET_RATIO,
        "p99_ok": _ms(p99) <= TARGET_P99_MS,
        **options,
    }


def format_report(figures: dict[str, Any]) -> str:
    """The figures for a person to read."""
    ok = {True: "ok", False: "MISSED"}
    lines = [
        f"saturation ({figures['chats']} chats, {figures['duration']} s, closed loop)",
        f"  pipeline  {figures['pipeline_msgs_per_s']:>8.1f} msg/s   "
        f"p50 {figures['saturated_p50_ms']} ms  p99 {figures['saturated_p99_ms']} ms   "
        f"CPU {figures['pipeline_cpu_ms_per_msg']} ms/msg",
        f"  echo bot  {figures['echo_msgs_per_s']:>8.1f} msg/s   "
        f"CPU {figures['echo_cpu_ms_per_msg']} ms/msg",
        f"  ratio     {figures['ratio']:>8.3f}   (target >= {TARGET_RATIO}: "
        f"{ok[figures['ratio_ok']]})",
        f"steady rate ({figures['latency_chats']} chats, {figures['rate']} msg/s, open loop; "
        f"achieved {figures['steady_msgs_per_s']} msg/s)",
        f"  pipeline  p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms   "
        f"(target p99 <= {TARGET_P99_MS} ms: {ok[figures['p99_ok']]})",
        f"  echo bot  p50 {figures['echo_p50_ms']} ms  p99 {figures['echo_p99_ms']} ms",
        f"  load generator lag p99 {figures['schedule_lag_p99_ms']} ms",
        "per pipeline message "
        f"({figures['messages']} messages, {figures['replies_per_msg']} replies each)",
        f"  model calls {figures['model_calls_per_msg']}   "
        f"database round trips {figures['db_round_trips_per_msg']} "
        f"({figures['db_statements_per_msg']} statements, "
        f"{figures['db_transactions_per_msg']} transactions, "
        f"{figures['db_checkouts_per_msg']} pool checkouts)   "
        f"redis calls {figures['redis_calls_per_msg']}",
        f"peak RSS {figures['peak_rss_mb']} MB (this process)   "
        f"timeouts {figures['timeouts']}   errors {figures['errors']}",
    ]
    if figures["errors"]:
        lines.append(f"  WARNING: the pipeline logged errors; first: {figures['first_error']}")
    return "\n".join(lines)
