"""`export-conversation`: replay a transcript, export one of its buyer conversations, and the
export replays green (with the same bot replies and the same end state)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app_runtime import AppRuntime
from bot.devtools.replay.environment import ReplayEnvironment
from bot.devtools.replay.export import ExportError, export_conversation, transcript_yaml
from bot.devtools.replay.runner import replay_file
from bot.devtools.replay.scene import Scene

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / "tests" / "conversations"


async def conversation_of(runtime: AppRuntime, scene: Scene, buyer: str, product: str
                          ) -> uuid.UUID:
    async with runtime.session_factory() as session:
        [conversation] = await scene.buyer_conversations(session, buyer, scene.named(product))
    return conversation


@pytest.mark.parametrize(("file", "buyer", "product", "shape"), [
    ("es_iphone_counter_then_accept_by_text.yaml", "luis", "iphone", {"taps", "says", "open"}),
    ("es_reservation_expires_without_confirmation.yaml", "pepe", "sofa", {"advance"}),
    ("es_takeover_quote_and_hand_back.yaml", "luis", "sofa", {"quotes", "taps"}),
    ("en_scripted_model_phrases_the_policy.yaml", "kate", "switch", {"llm"}),
])
async def test_an_exported_conversation_replays_green(
        replay_env: ReplayEnvironment, tmp_path: Path, file: str, buyer: str, product: str,
        shape: set[str]) -> None:
    exported: dict[str, Any] = {}

    async def export(runtime: AppRuntime, scene: Scene, url: str) -> None:
        conversation = await conversation_of(runtime, scene, buyer, product)
        exported.update(await export_conversation(runtime.session_factory, conversation))

    original = await replay_file(replay_env, CORPUS / file, export)
    assert original.status == "passed", "\n".join(original.lines())
    keys = {key for turn in exported["turns"] for key in turn}
    assert shape <= keys
    assert all("expect" in turn for turn in exported["turns"])
    assert "warnings" not in exported, exported["warnings"]
    assert "final" in exported
    path = tmp_path / "exported.yaml"
    path.write_text(transcript_yaml(exported), encoding="utf-8")
    replayed = await replay_file(replay_env, path)
    assert replayed.status == "passed", "\n".join([*replayed.lines(), path.read_text()])


async def test_the_export_keeps_what_the_bot_said(replay_env: ReplayEnvironment) -> None:
    exported: dict[str, Any] = {}

    async def export(runtime: AppRuntime, scene: Scene, url: str) -> None:
        conversation = await conversation_of(runtime, scene, "luis", "iphone")
        exported.update(await export_conversation(runtime.session_factory, conversation))
        with pytest.raises(ExportError, match="no conversation"):
            await export_conversation(runtime.session_factory, uuid.uuid4())

    await replay_file(replay_env, CORPUS / "es_iphone_counter_then_accept_by_text.yaml", export)
    assert exported["sellers"] == {"ana": {"telegram_id": 1001, "name": "Ana", "language": "es"}}
    assert exported["buyers"] == {"luis": {"telegram_id": 2001, "name": "Luis", "language": "es"}}
    product = exported["products"]["product"]
    assert (product["title"], product["price"], product["min_price"], product["status"]) == (
        "iPhone 13 Pro 128GB", 650, 560, "published")  # as before the chat, not "sold"
    turns = exported["turns"]
    assert turns[0] == {"buyer": "luis", "open": "product", "expect": {"reply_contains": [
        "Hola 👋 Estás preguntando por «iPhone 13 Pro 128GB» — 650 € (usado). Está disponible. "
        "¿Qué quieres saber?"]}}
    assert turns[2]["says"] == "Te doy 400 y lo recojo hoy"
    assert any("600 €" in text for text in turns[2]["expect"]["reply_contains"])
    deal = turns[3]["expect"]
    assert any("Luis acepta 600 €" in text for text in deal["notifies"]["ana"])
    assert turns[4]["seller"] == "ana" and turns[4]["taps"] == "✅ Confirmar venta"
    assert exported["final"] == {"products": {"product": {
        "status": "sold", "price": 650, "min_price": 560, "sold_price": 600}}}


async def test_db_manager_export_conversation_command(replay_env: ReplayEnvironment,
                                                      redis_url: str, tmp_path: Path) -> None:
    """The operator's command, in its own process, on the database of a finished replay."""
    target = tmp_path / "luis.yaml"
    runs: list[tuple[int | None, str, str]] = []

    async def run_cli(runtime: AppRuntime, scene: Scene, url: str) -> None:
        conversation = await conversation_of(runtime, scene, "luis", "iphone")
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
        processes = [await asyncio.create_subprocess_exec(
            sys.executable, "scripts/db_manager.py", "export-conversation", str(ident),
            "-o", str(target), cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE) for ident in (conversation, uuid.uuid4())]
        for process in processes:
            out, err = await asyncio.wait_for(process.communicate(), 120)
            runs.append((process.returncode, out.decode(), err.decode()))

    await replay_file(replay_env, CORPUS / "es_iphone_counter_then_accept_by_text.yaml", run_cli)
    (done, out, err), (missing, _, missing_err) = runs
    assert done == 0, err
    assert f"to {target}" in out and "replay it with scripts/replay_conversation.py" in out
    assert missing == 1 and missing_err.startswith("error: no conversation ")
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["products"]["product"]["title"] == "iPhone 13 Pro 128GB"
    replayed = await replay_file(replay_env, target)
    assert replayed.status == "passed", "\n".join(replayed.lines())
