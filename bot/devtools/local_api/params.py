"""Bot API request parameters: what each method declares, and turning the wire values (form
strings, JSON bodies, multipart uploads) into typed values or Telegram-worded errors."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.devtools.local_api.errors import bad_request

if TYPE_CHECKING:
    from bot.devtools.local_api.state import LocalBotApi

_INTEGER = re.compile(r"^-?\d+$")


class Kind(Enum):
    """How a parameter is read from the wire; `spec_types` are the api.json types it matches."""

    INTEGER = ("Integer",)
    STRING = ("String",)
    BOOLEAN = ("Boolean",)
    CHAT_ID = ("Integer", "String")
    OBJECT = ("Object",)  # a JSON-serialized Bot API object
    ARRAY = ("Array",)  # a JSON-serialized list
    FILE = ("InputFile", "String")  # an upload, or a file_id / URL
    UPLOAD = ("InputFile",)  # an upload only

    @property
    def spec_types(self) -> tuple[str, ...]:
        return self.value


@dataclass(frozen=True)
class Param:
    """One accepted parameter. `missing` is Telegram's wording when a required one is absent."""

    name: str
    kind: Kind
    required: bool = False
    missing: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as a multipart part."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class CallContext:
    """What a method handler needs besides its parameters."""

    token: str
    bot_id: int
    uploads: dict[str, UploadedFile] = field(default_factory=dict)

    def upload(self, value: str | UploadedFile) -> UploadedFile | None:
        """The uploaded file a value points at (itself, or an attach://name reference)."""
        if isinstance(value, UploadedFile):
            return value
        if value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name not in self.uploads:
                raise bad_request(f'file "{name}" must be uploaded as a part of the request')
            return self.uploads[name]
        return None


Handler = Callable[["LocalBotApi", CallContext, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method the server implements."""

    name: str
    params: tuple[Param, ...]
    handler: Handler


def parse_params(spec: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Typed values of the declared parameters present in `raw`; unknown ones are ignored,
    as Telegram does."""
    values: dict[str, Any] = {}
    for param in spec.params:
        value = raw.get(param.name)
        if value is None or value == "":
            if param.required:
                raise bad_request(param.missing or f"{param.name} is empty")
            continue
        values[param.name] = _coerce(param, value)
    return values


def _coerce(param: Param, value: Any) -> Any:
    name, kind = param.name, param.kind
    if kind is Kind.FILE and isinstance(value, UploadedFile | str):
        return value
    if kind is Kind.UPLOAD and (
        isinstance(value, UploadedFile)
        or (isinstance(value, str) and value.startswith("attach://"))
    ):
        return value
    if kind in {Kind.FILE, Kind.UPLOAD}:
        raise bad_request(f"wrong type of the {name} field")
    if isinstance(value, UploadedFile):
        raise bad_request(f"{name} must not be a file")
    if kind is Kind.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value)
        raise bad_request(f'field "{name}" must be of type Integer')
    if kind is Kind.CHAT_ID:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value)
        if isinstance(value, str) and value.startswith("@"):
            return value
        raise bad_request("chat not found")
    if kind is Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
        raise bad_request(f'field "{name}" must be of type Boolean')
    if kind is Kind.STRING:
        if isinstance(value, dict | list):
            raise bad_request(f'field "{name}" must be of type String')
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
        return text
    return _json_value(name, kind, value)


def _json_value(name: str, kind: Kind, value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    expected = dict if kind is Kind.OBJECT else list
    if not isinstance(value, expected):
        label = "an Object" if kind is Kind.OBJECT else "an Array"
        raise bad_request(f'field "{name}" must be {label}')
    return value
