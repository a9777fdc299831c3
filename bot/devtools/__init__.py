"""Development tools that run the real bot without the outside world; none of them is imported by
the production path except the local Bot API server, which the embedded default (no Telegram
token) starts in-process.

- `local_api/`: a local Telegram Bot API server with a chat page (tests, replay, embedded default);
- `replay/`: plays conversation transcripts (tests/conversations/*.yaml) through the real bot;
- `bench/`: load benchmark of the whole stack (`scripts/bench.py`);
- `negotiation_bench/`: simulated hagglers against the bot (`scripts/negotiation_bench.py`);
- `chaos/`: the fault suite (`scripts/chaos.py`).

They may import anything in the project (config, storage, integrations, agents, bot); nothing
outside bot/devtools imports them but bot's entry point, tests and scripts.
"""
