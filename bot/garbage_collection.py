"""Garbage collector settings for a serving process, applied once start-up is over.

A serving process holds a large, long-lived heap (aiogram, LangChain and SQLAlchemy modules,
the agents, the models' schemas) and makes many short-lived objects per update. With the
default thresholds the collector runs every few hundred allocations and, every so often,
walks the whole heap: several milliseconds per message, a tenth of what handling it costs.
Freezing what start-up built keeps the collector's full passes off it, and a higher first
threshold lets short-lived objects be freed by reference counting before any pass sees them.
Cyclic garbage is still collected, just in fewer, larger passes.
"""

from __future__ import annotations

import gc

# Allocations (net of frees) between two young-generation passes; CPython's default is 700.
YOUNG_THRESHOLD = 20_000
# Young passes per middle pass, and middle passes per full pass (CPython: 10 and 10).
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 100


def settle_after_startup() -> None:
    """Collect once, freeze the survivors (start-up's objects) and raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
