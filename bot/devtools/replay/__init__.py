"""Replaying conversation transcripts (tests/conversations/*.yaml) through the real bot.

`scripts/replay_conversation.py` is the command; `runner.replay_paths` / `runner.replay_file`
the API. A transcript (`transcript.py`, the format's schema) is played turn by turn through the
aiogram Dispatcher and Bot against the in-process local Bot API server (`driver.py`), in a
fresh database per file (`databases.py`); each turn's `expect` is checked (`expectations.py`)
and the format's built-in invariants on every replay (`invariants.py`, `delivery.py`).
`export.py` writes a stored conversation back as a transcript.
"""
