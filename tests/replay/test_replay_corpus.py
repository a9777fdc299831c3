"""Every transcript of tests/conversations/ replays green: one test per file.

A failure prints the runner's own report lines (file, turn, what differed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.replay.environment import ReplayEnvironment
from bot.devtools.replay.runner import replay_file

CORPUS = Path(__file__).resolve().parents[1] / "conversations"
FILES = sorted(CORPUS.glob("*.yaml"))


def test_the_corpus_covers_enough_conversations() -> None:
    assert len(FILES) >= 40
    languages = {path.stem.split("_")[0] for path in FILES}
    assert {"es", "en"} <= languages


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
async def test_transcript_replays_green(replay_env: ReplayEnvironment, path: Path) -> None:
    report = await replay_file(replay_env, path)
    assert report.status == "passed", "\n".join(report.lines())
