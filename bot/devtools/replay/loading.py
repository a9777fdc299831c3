"""Reading transcript files: strict YAML (a key given twice is an error), the schema, the
references, and the photo files they name. Every problem is a `TranscriptError` whose message
names the key and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.devtools.replay.transcript import (
    BadReference,
    Transcript,
    TranscriptError,
    check_references,
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice (the second would silently win)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


# Union fields: pydantic names the branch it tried after the key ("photo" → "size").
_BRANCHES = {"photo": {"path", "size"}, "amount": {"decimal"}, "price": {"decimal"},
             "min_price": {"decimal"}, "sold_price": {"decimal"}}


def key_path(location: tuple[int | str, ...]) -> str:
    """`("turns", 2, "expect", "offr")` → `turns[3].expect.offr` (turns count from 1)."""
    path, previous = "", ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        elif part in _BRANCHES.get(previous, ()) or "[" in part:
            continue  # a union branch pydantic tried, not a key of the file
        else:
            path += f".{part}" if path else part
        previous = str(part)
    return path or "(top level)"


def describe(error: ValidationError) -> str:
    """The first error as `key: why`."""
    first = error.errors(include_url=False)[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required"
    return f"{key_path(tuple(first['loc']))}: {message}"


def parse_transcript(data: Any) -> Transcript:
    if not isinstance(data, dict):
        raise TranscriptError("(top level): a transcript is a mapping with name and turns")
    try:
        transcript = Transcript.model_validate(data)
    except ValidationError as error:
        raise TranscriptError(describe(error)) from None
    try:
        check_references(transcript)
    except BadReference as error:
        raise TranscriptError(str(error)) from None
    return transcript


def load_transcript(path: Path) -> Transcript:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TranscriptError(f"cannot read the file ({error})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TranscriptError(f"{where}not valid YAML ({problem})") from None
    return parse_transcript(data)


def check_files(transcript: Transcript, path: Path) -> None:
    """Photos given as paths exist next to the transcript."""
    for index, turn in enumerate(transcript.turns, start=1):
        if isinstance(turn.photo, str) and not (path.parent / turn.photo).is_file():
            raise TranscriptError(f"turns[{index}].photo: no file {turn.photo!r} next to the "
                                  "transcript")
