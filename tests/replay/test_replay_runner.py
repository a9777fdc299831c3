"""The runner: failing expectations name file, turn and what differed; the exit status and the
JSON report follow the format; each file starts from an empty state."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import yaml

from bot.devtools.replay.environment import ReplayEnvironment
from bot.devtools.replay.images import generated_jpeg
from bot.devtools.replay.report import EXIT_FAILED, EXIT_INVALID
from bot.devtools.replay.runner import replay_file, replay_paths
from storage.embedded import EmbeddedServices

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SHOP = {
    "sellers": {"ana": {"telegram_id": 1001, "name": "Ana", "language": "es"}},
    "buyers": {"luis": {"telegram_id": 2001, "name": "Luis", "language": "es"}},
    "products": {"iphone": {
        "seller": "ana", "title": "iPhone 13 Pro 128GB", "condition": "used",
        "description": "Muy buen estado, batería al 89%, con caja y cargador original.",
        "price": 650, "min_price": 560}},
}


def write(folder: Path, name: str, turns: list[dict], **extra: object) -> Path:
    path = folder / name
    data = {"name": name, **SHOP, "turns": turns, **extra}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def shared(env: ReplayEnvironment) -> Callable[[], AbstractAsyncContextManager[ReplayEnvironment]]:
    """The runner's environment factory, for the session's environment (which outlives it)."""

    @asynccontextmanager
    async def environment() -> AsyncIterator[ReplayEnvironment]:
        yield env

    return environment


async def test_failing_expectations_name_file_turn_and_difference(
        replay_env: ReplayEnvironment, tmp_path: Path) -> None:
    path = write(tmp_path, "wrong.yaml", [
        {"buyer": "luis", "open": "iphone", "says": "Te doy 400",
         "expect": {"offer": {"amount": 400, "status": "accepted"},
                    "reply_contains": ["vendido"], "buttons": ["Comprar"],
                    "tools": ["ask_seller"], "notifies": {"ana": ["Luis"]}}},
        {"buyer": "luis", "says": "Gracias", "expect": {"no_reply": True}},
    ], final={"products": {"iphone": {"status": "sold", "price": 600}}})
    report = await replay_paths([path], shared(replay_env))
    assert report.exit_status == EXIT_FAILED
    lines = report.to_text().splitlines()
    assert lines[0].startswith(f"FAIL {path} (2 turns")
    text = "\n".join(lines)
    assert f"{path}: turn 1: offer.status: the latest offer by buyer (400) is countered, not " \
           "accepted" in text
    assert f"{path}: turn 1: reply_contains: 'vendido' not found; the bot's messages to luis " \
           "were 'Hola 👋" in text
    assert f"{path}: turn 1: buttons: no button containing 'Comprar'; buttons were " \
           "['Aceptar 600 €']" in text
    assert f"{path}: turn 1: tools: 'ask_seller' was not called; tools called in this turn: " \
           "['make_offer']" in text
    assert f"{path}: turn 1: notifies.ana: the bot sent ana nothing in this turn" in text
    assert f"{path}: turn 2: no_reply: expected no reply; the bot's messages to luis were" in text
    assert f"{path}: final: final.products.iphone.status: expected 'sold', found 'published'" \
        in text
    assert f"{path}: final: final.products.iphone.price: expected 600, found 650" in text
    assert lines[-1] == "0 passed, 1 failed, 0 invalid (1 files)"


async def test_json_report_shape_with_a_passing_and_a_failing_file(
        replay_env: ReplayEnvironment, tmp_path: Path) -> None:
    good = write(tmp_path, "a_good.yaml", [
        {"buyer": "luis", "open": "iphone", "expect": {"reply_contains": ["650 €"]}}])
    bad = write(tmp_path, "b_bad.yaml", [
        {"buyer": "luis", "open": "iphone", "expect": {"reply_contains": ["999 €"]}}])
    report = await replay_paths([tmp_path], shared(replay_env))
    data = json.loads(report.to_json(with_log=True))
    assert data["ok"] is False and data["exit_status"] == EXIT_FAILED
    assert data["summary"] == {"files": 2, "passed": 1, "failed": 1, "invalid": 0, "failures": 1}
    first, second = data["files"]
    assert set(first) == {"file", "name", "status", "turns", "seconds", "error", "failures",
                          "log"}
    assert (first["file"], first["status"], first["failures"]) == (str(good), "passed", [])
    assert first["log"][0] == "turn 1: luis (buyer) open 'iphone'"
    assert second["file"] == str(bad) and second["status"] == "failed"
    assert second["failures"] == [{"turn": 1, "key": "reply_contains", "message": (
        "'999 €' not found; the bot's messages to luis were 'Hola 👋 Estás preguntando por "
        "«iPhone 13 Pro 128GB» — 650 € (usado). Está disponible. ¿Qué quieres saber?'")}]


async def test_invalid_file_among_valid_ones_exits_2_and_the_rest_still_run(
        replay_env: ReplayEnvironment, tmp_path: Path) -> None:
    write(tmp_path, "a_good.yaml", [{"buyer": "luis", "open": "iphone"}])
    (tmp_path / "b_bad.yaml").write_text("name: x\nturns: [{buyer: luis, taps: 3.5}]\n",
                                         encoding="utf-8")
    report = await replay_paths([tmp_path], shared(replay_env))
    assert [file.status for file in report.files] == ["passed", "invalid"]
    assert report.files[1].error == "turns[1].taps: Input should be a valid string"
    assert report.exit_status == EXIT_INVALID


async def test_each_file_starts_from_an_empty_state(replay_env: ReplayEnvironment,
                                                    tmp_path: Path) -> None:
    """The second run of the same file sees no offer, reservation or rate-limit hit of the first."""
    path = write(tmp_path, "again.yaml", [
        {"buyer": "luis", "open": "iphone", "expect": {"offer": {"amount": "none"}}},
        {"buyer": "luis", "says": "Me lo quedo por 650",
         "expect": {"offer": {"amount": 650, "status": "accepted"},
                    "product": {"status": "reserved"}}},
    ], settings={"rate_limit_per_actor": 2})
    first = await replay_file(replay_env, path)
    second = await replay_file(replay_env, path)
    assert first.status == second.status == "passed", "\n".join(second.lines())


async def test_taps_without_a_matching_button_fails_the_turn(replay_env: ReplayEnvironment,
                                                              tmp_path: Path) -> None:
    path = write(tmp_path, "tap.yaml", [
        {"buyer": "luis", "open": "iphone"},
        {"buyer": "luis", "taps": "Aceptar"},
    ])
    report = await replay_file(replay_env, path)
    assert [(f.turn, f.key) for f in report.failures] == [(2, "taps")]
    assert "no bot message to luis has a button containing 'Aceptar'" in report.failures[0].message


async def test_a_photo_file_next_to_the_transcript_is_sent(replay_env: ReplayEnvironment,
                                                           tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "lamp.jpg").write_bytes(generated_jpeg(640, 480))
    path = write(tmp_path, "photo.yaml", [
        {"seller": "ana", "photo": "photos/lamp.jpg",
         "caption": "Vendo lámpara de pie de latón, 90€",
         "expect": {"product": {"as": "lamp", "status": "ready", "price": 90},
                    "reply_contains": ["90 €"], "reply_not_contains": ["una foto"],
                    "tools": ["create_product"]}},
    ])
    report = await replay_file(replay_env, path)
    assert report.status == "passed", "\n".join(report.lines())


async def test_the_cli_runs_files_and_prints_json(embedded: EmbeddedServices, redis_url: str,
                                                  tmp_path: Path) -> None:
    """The script as an operator runs it: its own process, servers from the environment."""
    good = write(tmp_path, "good.yaml", [
        {"buyer": "luis", "open": "iphone", "says": "Te lo compro por 650",
         "expect": {"reply_contains": ["650"], "tools": ["make_offer"]}}])
    bad = write(tmp_path, "bad.yaml", [
        {"buyer": "luis", "open": "iphone", "expect": {"no_reply": True}}])
    assert embedded.postgres is not None
    env = {**os.environ, "DATABASE_URL": embedded.postgres.url("postgres"),
           "REDIS_URL": redis_url}
    run = await asyncio.create_subprocess_exec(
        sys.executable, "scripts/replay_conversation.py", "--json", str(good), str(bad),
        cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(run.communicate(), 120)
    assert run.returncode == EXIT_FAILED, err.decode()
    report = json.loads(out)
    assert [file["status"] for file in report["files"]] == ["passed", "failed"]
    assert report["files"][1]["failures"][0]["key"] == "no_reply"
    assert report["summary"]["passed"] == 1 and report["ok"] is False
