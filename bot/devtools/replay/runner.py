"""Replaying transcripts: each file in a fresh database, through the real Dispatcher and Bot.

Per file: a copy of the migrated template, a Redis key prefix of its own, a reset local Bot API
server, a new `AppRuntime` (the controllable clock; `ScriptedChatModel` for `model: scripted`,
the offline model otherwise, whatever the environment configures), the fixtures, then each turn:
play it, check its `expect`, check invariants 1, 3 and 5. At the end: `final`, invariants 2 and 4.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from agents.fixtures import load_fixtures
from agents.llm.models.offline import OfflineChatModel
from agents.llm.models.scripted import ScriptedChatModel
from bot.app_runtime import AppRuntime
from bot.devtools.replay.clock import ReplayClock
from bot.devtools.replay.delivery import check_delivery
from bot.devtools.replay.driver import ActorInfo, TurnDriver
from bot.devtools.replay.environment import ReplayEnvironment
from bot.devtools.replay.expectations import TurnChecker, check_final
from bot.devtools.replay.invariants import InvariantWatch
from bot.devtools.replay.loading import check_files, load_transcript
from bot.devtools.replay.report import Failure, FileReport, Report
from bot.devtools.replay.scene import Scene
from bot.devtools.replay.transcript import Transcript, TranscriptError
from bot.factory import create_dispatcher
from bot.runtime import build_runtime
from config.settings import Settings
from storage.database import unit_of_work

logger = structlog.get_logger(__name__)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders as their *.yaml / *.yml files (sorted); each file once."""
    files: list[Path] = []
    for path in paths:
        found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")) \
            if path.is_dir() else [path]
        files += [item for item in found if item not in files]
    return files


def replay_settings(settings: Settings, transcript: Transcript) -> Settings:
    """The runner's settings with the transcript's `settings:` keys applied."""
    llm = settings.llm.model_copy(update={"provider": transcript.model})
    redis, negotiation = settings.redis, settings.negotiation
    chosen = transcript.settings
    if chosen is not None:
        redis = redis.model_copy(update={key: value for key, value in {
            "rate_limit_per_actor": chosen.rate_limit_per_actor,
            "rate_limit_window_seconds": chosen.rate_limit_window_seconds,
        }.items() if value is not None})
        negotiation = negotiation.model_copy(update={key: value for key, value in {
            "reservation_minutes": chosen.reservation_minutes,
            "floor_ratio": chosen.floor_ratio, "max_rounds": chosen.max_rounds,
        }.items() if value is not None})
    return settings.model_copy(update={"llm": llm, "redis": redis, "negotiation": negotiation})


def fixture_data(transcript: Transcript) -> dict[str, Any]:
    def actor(spec: Any, name: str) -> dict[str, Any]:
        data = spec.model_dump(exclude_none=True)
        data.setdefault("name", name.capitalize())
        return data

    products = {}
    for name, product in transcript.products.items():
        data = product.model_dump(exclude_none=True)
        for key in ("price", "min_price"):
            if key in data:
                data[key] = str(data[key])
        products[name] = data
    return {"sellers": {n: actor(s, n) for n, s in transcript.sellers.items()},
            "buyers": {n: actor(b, n) for n, b in transcript.buyers.items()},
            "products": products}


def actors_of(data: dict[str, Any]) -> dict[str, ActorInfo]:
    actors: dict[str, ActorInfo] = {}
    for role in ("sellers", "buyers"):
        for name, spec in data[role].items():
            user = {"id": spec["telegram_id"], "first_name": spec["name"],
                    "language_code": spec.get("language", "es")}
            actors[name] = ActorInfo(name, role[:-1], spec["telegram_id"], user)
    return actors


@dataclass
class LoadedFile:
    path: Path
    transcript: Transcript | None = None
    error: str | None = None


def load_file(path: Path) -> LoadedFile:
    try:
        transcript = load_transcript(path)
        check_files(transcript, path)
    except TranscriptError as error:
        return LoadedFile(path, error=str(error))
    return LoadedFile(path, transcript)


# Called after the last turn, while the file's database still exists (tests, exports).
Inspect = Callable[[AppRuntime, "Scene", str], Awaitable[None]]


async def replay_file(env: ReplayEnvironment, path: Path | LoadedFile,
                      inspect: Inspect | None = None) -> FileReport:
    loaded = path if isinstance(path, LoadedFile) else load_file(path)
    report = FileReport(str(loaded.path), error=loaded.error)
    if loaded.transcript is None:
        return report
    transcript = loaded.transcript
    report.name, report.turns = transcript.name, len(transcript.turns)
    started = time.perf_counter()
    try:
        report.failures = await _replay(env, transcript, loaded.path, report.log, inspect)
    except TranscriptError as error:  # fixtures the database refuses
        report.error = str(error)
    except Exception as error:  # a crash of the bot or the runner is a failed replay
        logger.exception("replay.crashed", file=str(loaded.path))
        report.failures.append(Failure(None, "crash", f"{type(error).__name__}: {error}"))
    report.seconds = time.perf_counter() - started
    return report


async def _replay(env: ReplayEnvironment, transcript: Transcript, path: Path,
                  log: list[str], inspect: Inspect | None = None) -> list[Failure]:
    settings = replay_settings(env.settings, transcript)
    model: Any = ScriptedChatModel(script=[]) if transcript.model == "scripted" \
        else OfflineChatModel()
    database, url = await env.databases.create()
    prefix = env.new_key_prefix()
    clock = ReplayClock()
    runtime: AppRuntime | None = None
    try:
        runtime = await build_runtime(settings, database_url=url, redis_url=env.redis_url,
                                      model=model, clock=clock, key_prefix=prefix)
        failures, scene = await _turns(env, runtime, transcript, path, clock, model, log)
        if inspect is not None:
            await inspect(runtime, scene, url)
        return failures
    finally:
        if runtime is not None:
            await runtime.close()
        await env.forget_keys(prefix)
        env.databases.release(database)


async def _turns(env: ReplayEnvironment, runtime: AppRuntime, transcript: Transcript,
                 path: Path, clock: ReplayClock, model: Any, log: list[str]
                 ) -> tuple[list[Failure], Scene]:
    data = fixture_data(transcript)
    try:
        async with unit_of_work(runtime.session_factory, actor="replay:fixtures") as session:
            refs = await load_fixtures(session, data)
    except ValueError as error:
        raise TranscriptError(f"fixtures: {error}") from None
    env.api.reset()
    scene = Scene(runtime.session_factory, actors_of(data))
    scene.products.update({name: uuid.UUID(ref["id"])
                           for name, ref in refs["products"].items()})
    push = model.push if isinstance(model, ScriptedChatModel) else (lambda items: None)
    driver = TurnDriver(env, runtime, create_dispatcher(runtime), clock, scene.actors, path,
                        scene.public_ref, push)
    watch = InvariantWatch(runtime.session_factory, runtime.settings)
    failures: list[Failure] = []
    for number, turn in enumerate(transcript.turns, start=1):
        if turn.open is not None and turn.open in scene.products:
            scene.buyer_focus[turn.actor] = scene.products[turn.open]
        try:
            capture = await driver.play(number, turn)
            log.extend(capture.describe())
            failures += await TurnChecker(scene, capture).run()
            failures += await watch.after_turn(number, capture.first_seq)
        except Exception as error:  # the rest of the file would only repeat the damage
            logger.exception("replay.turn_crashed", turn=number)
            return [*failures, Failure(number, "crash", f"{type(error).__name__}: {error}")], \
                scene
    failures += await check_final(scene, transcript.final)
    failures += await watch.counters()
    failures += await check_delivery(runtime.session_factory, env.api, driver.pushed)
    return failures, scene


async def replay_paths(paths: Iterable[Path],
                       environment: Callable[[], AbstractAsyncContextManager[ReplayEnvironment]]
                       ) -> Report:
    """Every file, all validated first: the environment is entered only if some file is valid."""
    loaded = [load_file(path) for path in collect_files(paths)]
    report = Report()
    if all(item.transcript is None for item in loaded):
        report.files = [FileReport(str(item.path), error=item.error) for item in loaded]
        return report
    async with environment() as env:
        for item in loaded:
            report.files.append(await replay_file(env, item))
    return report
