"""How the bot takes updates: long polling (default) or a webhook, with the shared web server
(health, metrics, marketplace callbacks) and a graceful shutdown. `run_bot` is the entry."""

from bot.runners.lifecycle import DRAIN_SECONDS, RunningBot, run_bot

__all__ = ["DRAIN_SECONDS", "RunningBot", "run_bot"]
