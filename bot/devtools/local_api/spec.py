"""The machine-readable Bot API description (api.json) and a checker for objects against it.

The local server never needs this file to run; tests use it to prove that what the server
accepts and returns matches the real Bot API, and other test suites can use
`ApiSpec.validate` to check hand-built fixtures.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "LOCAL_BOT_API_SPEC"

_PRIMITIVES = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


# The project's shared copy, beside the repository; a clone elsewhere uses the one bundled here
# (tests/local_api checks that the two are the same whenever both are there).
SHARED_SPEC = (Path(__file__).resolve().parents[3].parent / "shared" / "telegram-bot-api"
               / "api.json")
BUNDLED_SPEC = Path(__file__).resolve().parent / "telegram_bot_api" / "api.json"


def default_spec_path() -> Path:
    """api.json's location: $LOCAL_BOT_API_SPEC, else the shared copy beside the project, else
    the bundled one."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return Path(override)
    return SHARED_SPEC if SHARED_SPEC.exists() else BUNDLED_SPEC


@dataclass(frozen=True)
class SpecField:
    """One field of a Bot API method or type."""

    name: str
    types: tuple[str, ...]
    required: bool


class ApiSpec:
    """Methods and types of the Bot API, as described by api.json."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self._methods: dict[str, dict[str, Any]] = raw["methods"]
        self._types: dict[str, dict[str, Any]] = raw["types"]

    @classmethod
    def load(cls, path: Path | None = None) -> ApiSpec:
        """Read api.json; FileNotFoundError, naming the path and the setting, when it is absent."""
        path = path or default_spec_path()
        try:
            with path.open(encoding="utf-8") as handle:
                return cls(json.load(handle))
        except FileNotFoundError:
            raise FileNotFoundError(f"the Bot API spec is not at {path}: point {SPEC_ENV_VAR} "
                                    "at an api.json") from None

    def has_method(self, name: str) -> bool:
        return name in self._methods

    def method_fields(self, method: str) -> dict[str, SpecField]:
        return _fields(self._methods[method])

    def method_returns(self, method: str) -> tuple[str, ...]:
        return tuple(self._methods[method]["returns"])

    def type_fields(self, type_name: str) -> dict[str, SpecField]:
        return _fields(self._types[type_name])

    def validate(self, type_names: str | tuple[str, ...] | list[str], value: Any) -> list[str]:
        """Problems found checking `value` against any of the given types; empty when valid.

        Checks recursively that field names are known, required fields are present and
        primitive values have the right JSON type. Abstract types (with subtypes) are valid
        when one of their subtypes accepts the value.
        """
        names = (type_names,) if isinstance(type_names, str) else tuple(type_names)
        return self._validate_union(names, value, "$")

    def _validate_union(self, names: tuple[str, ...], value: Any, where: str) -> list[str]:
        best: list[str] | None = None
        for name in names:
            problems = self._validate_one(name, value, where)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or [f"{where}: no type given"]

    def _validate_one(self, type_name: str, value: Any, where: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{where}: expected {type_name}, got {type(value).__name__}"]
            inner = type_name.removeprefix("Array of ")
            problems: list[str] = []
            for index, item in enumerate(value):
                problems += self._validate_one(inner, item, f"{where}[{index}]")
            return problems
        if type_name in _PRIMITIVES:
            return (
                []
                if _primitive_ok(type_name, value)
                else [f"{where}: expected {type_name}, got {value!r}"]
            )
        definition = self._types.get(type_name)
        if definition is None:
            return [f"{where}: unknown type {type_name}"]
        if definition.get("subtypes"):
            return self._validate_union(tuple(definition["subtypes"]), value, where)
        if not isinstance(value, dict):
            return [f"{where}: expected {type_name} object, got {type(value).__name__}"]
        fields = _fields(definition)
        problems = [
            f"{where}.{key}: not a field of {type_name}" for key in value if key not in fields
        ]
        for field in fields.values():
            if field.name not in value:
                if field.required:
                    problems.append(f"{where}.{field.name}: required by {type_name}, missing")
                continue
            problems += self._validate_union(
                field.types, value[field.name], f"{where}.{field.name}"
            )
        return problems


def _fields(definition: dict[str, Any]) -> dict[str, SpecField]:
    return {
        raw["name"]: SpecField(raw["name"], tuple(raw["types"]), bool(raw["required"]))
        for raw in definition.get("fields", [])
    }


def _primitive_ok(type_name: str, value: Any) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    # String and InputFile (a file is named by a string when it is sent back as a value)
    return isinstance(value, str)
