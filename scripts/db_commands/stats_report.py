"""`db_manager.py stats`: the figures of `storage.stats` as rich tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from scripts.db_commands.schema import require_schema
from scripts.service_access import Services
from storage.stats import DatabaseStats, collect_stats


def _figures(stats: DatabaseStats, revision: str | None) -> Table:
    table = Table(title="Figures")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for status, count in stats.products_by_status.items():
        if count:
            table.add_row(f"products {status}", str(count))
    for status, count in stats.offers_by_status.items():
        if count:
            table.add_row(f"offers {status}", str(count))
    table.add_row("active conversations", str(stats.active_conversations))
    table.add_row("messages last 24 h", str(stats.messages_last_24h))
    confidence = stats.average_listing_confidence
    table.add_row("average listing confidence", "-" if confidence is None else str(confidence))
    table.add_row("schema revision", revision or "none")
    return table


def _row_counts(stats: DatabaseStats) -> Table:
    table = Table(title="Rows per table")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in stats.row_counts.items():
        table.add_row(name, str(count))
    table.add_row("total", str(sum(stats.row_counts.values())), style="bold")
    return table


async def print_stats(services: Services, console: Console) -> None:
    revision = await require_schema(services.engine)
    async with services.engine.connect() as conn:
        stats = await collect_stats(conn)
    console.print(_row_counts(stats))
    console.print(_figures(stats, revision))
