"""Turning the phases' measurements into the benchmark's figures, and printing them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.devtools.bench.answers import AnswerCount
from bot.devtools.bench.load import PhaseResult
from bot.devtools.bench.model_bound import OFFER_CHATS, WindowResult, ideal_rate
from bot.devtools.bench.pg_activity import ActivityPeaks
from bot.devtools.bench.workers import WorkersResult

TARGET_RATIO = 0.3  # the pipeline's throughput against the bare echo bot's, at least
TARGET_P99_MS = 25.0  # update-to-reply p99 at the steady rate, at most
TARGET_BOUND_RATIO = 0.8  # with a slow model: measured / model-bound ideal, at least
TARGET_IDLE_IN_TRANSACTION_S = 0.5  # longest transaction held open doing nothing, at most


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


def _bound(result: WindowResult | None, chats: int, latency: float, cpu_bound: float,
           prefix: str) -> dict[str, Any]:
    """A model-bound phase's figures (None when it did not run)."""
    if result is None:
        return {f"{prefix}_msgs_per_s": None, f"{prefix}_ideal_msgs_per_s": None,
                f"{prefix}_bound_ratio": None, f"{prefix}_model_calls_per_msg": None,
                f"{prefix}_p99_ms": None}
    ideal = ideal_rate(chats, latency, result.calls_per_message, cpu_bound)
    return {
        f"{prefix}_msgs_per_s": round(result.rate, 1),
        f"{prefix}_ideal_msgs_per_s": round(ideal, 1),
        f"{prefix}_bound_ratio": round(result.rate / ideal, 3) if ideal else 0.0,
        f"{prefix}_model_calls_per_msg": round(result.calls_per_message, 2),
        f"{prefix}_p99_ms": _ms(percentile(result.latencies, 0.99)),
    }


def model_bound(asked: WindowResult | None, offered: WindowResult | None, *, chats: int,
                offer_chats: int, latency: float, cpu_bound: float) -> dict[str, Any]:
    """ideal_msgs_per_s / model_bound_ratio (the saturation load) and offer_bound_ratio."""
    figures = {**_bound(asked, chats, latency, cpu_bound, "model"),
               **_bound(offered, offer_chats, latency, cpu_bound, "offer")}
    figures["ideal_msgs_per_s"] = figures.pop("model_ideal_msgs_per_s")
    figures["model_bound_msgs_per_s"] = figures.pop("model_msgs_per_s")
    ratios = [figures["model_bound_ratio"], figures["offer_bound_ratio"]]
    figures["bound_ok"] = (None if None in ratios
                           else min(ratios) >= TARGET_BOUND_RATIO)  # type: ignore[type-var]
    return figures


def summarize(*, echo_saturation: PhaseResult, echo_steady: PhaseResult,
              saturation: PhaseResult, steady: PhaseResult, counts: dict[str, int],
              replies: int, errors: int, first_error: str | None, peak_rss_mb: float,
              activity: ActivityPeaks, answers: AnswerCount, asked: WindowResult | None,
              offered: WindowResult | None, workers: list[WorkersResult],
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
        **model_bound(asked, offered, chats=options["chats"], offer_chats=OFFER_CHATS,
                      latency=options["model_latency_s"], cpu_bound=pipeline_rate),
        "max_idle_in_transaction_s": round(activity.max_idle_in_transaction_s, 3),
        "max_idle_in_transaction_sessions": activity.max_idle_in_transaction_sessions,
        "idle_ok": activity.max_idle_in_transaction_s <= TARGET_IDLE_IN_TRANSACTION_S,
        "max_db_connections": activity.max_db_connections,
        "activity_samples": activity.samples,
        "db_waits": dict(activity.waits.most_common(6)),
        "sent": answers.sent,
        "lost": answers.lost,
        "duplicates": answers.duplicated,
        "unanswered_examples": answers.examples,
        **_workers(workers),
        **options,
    }


def _workers(results: list[WorkersResult]) -> dict[str, Any]:
    """One worker's and N workers' saturation rates and their ratio (None when not run)."""
    if not results:
        return {"one_worker_msgs_per_s": None, "workers_msgs_per_s": None,
                "workers_scale": None, "workers_lost": None, "workers_duplicates": None,
                "workers_requests": None}
    one, many = results[0], results[-1]
    return {
        "one_worker_msgs_per_s": round(one.rate, 1),
        "workers_msgs_per_s": round(many.rate, 1),
        "workers_scale": round(many.rate / one.rate, 2) if one.rate else 0.0,
        "workers_lost": sum(r.lost for r in results),
        "workers_duplicates": sum(r.duplicates for r in results),
        "workers_requests": many.per_worker,
    }


def _bound_lines(figures: dict[str, Any], ok: dict[bool, str]) -> list[str]:
    if figures["model_bound_ratio"] is None:
        return []
    latency = figures["model_latency_s"]
    return [
        f"model latency {latency} s per call (ideal: the lesser of chats / (latency x calls) "
        "and the saturation rate above)",
        f"  {figures['chats']} chats    {figures['model_bound_msgs_per_s']} msg/s of ideal "
        f"{figures['ideal_msgs_per_s']} ({figures['model_model_calls_per_msg']} calls/msg): "
        f"ratio {figures['model_bound_ratio']}   p99 {figures['model_p99_ms']} ms",
        f"  {OFFER_CHATS} chats making offers on one product    {figures['offer_msgs_per_s']} "
        f"msg/s of ideal {figures['offer_ideal_msgs_per_s']} "
        f"({figures['offer_model_calls_per_msg']} calls/msg): ratio "
        f"{figures['offer_bound_ratio']}   p99 {figures['offer_p99_ms']} ms",
        f"  (target ratios >= {TARGET_BOUND_RATIO}: {ok[bool(figures['bound_ok'])]})",
    ]


def _worker_lines(figures: dict[str, Any]) -> list[str]:
    if figures["workers_msgs_per_s"] is None:
        return []
    return [f"webhook workers (no model wait): 1 worker {figures['one_worker_msgs_per_s']} "
            f"msg/s, {figures['workers']} workers {figures['workers_msgs_per_s']} msg/s "
            f"(x{figures['workers_scale']}; requests per worker {figures['workers_requests']}); "
            f"{figures['workers_lost']} lost, {figures['workers_duplicates']} answered twice"]


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
        *_bound_lines(figures, ok),
        f"database sessions: at most {figures['max_db_connections']}; longest idle in "
        f"transaction {figures['max_idle_in_transaction_s']} s "
        f"(target <= {TARGET_IDLE_IN_TRANSACTION_S} s: {ok[figures['idle_ok']]}; "
        f"{figures['activity_samples']} samples of pg_stat_activity)",
        *(f"  waiting on {wait}: {count} session-samples"
          for wait, count in figures["db_waits"].items()),
        f"every pipeline message: {figures['sent']} sent, {figures['lost']} never answered, "
        f"{figures['duplicates']} answered twice",
        *(f"  {example}" for example in figures["unanswered_examples"]),
        *_worker_lines(figures),
    ]
    if figures["errors"]:
        lines.append(f"  WARNING: the pipeline logged errors; first: {figures['first_error']}")
    return "\n".join(lines)
