"""The transcript format (`/work/shared/conversation-format.md`) as a strict pydantic schema.

`Transcript.model_validate` checks the shape; `check_references` that the names used refer to
actors and products that exist by then. `bot.devtools.replay.loading` reads the YAML and turns
errors into `TranscriptError`s naming the key and why (`turns[3].expect.offr: unknown key`).
Unknown keys are errors everywhere, so a typo never passes silently. The keys this project adds
to the format (`settings`, `sends`, `quotes`, buyers' `blocked`, products' `attributes`) are
documented in the README section "Replaying conversations".
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from bot.devtools.replay.expectations_schema import Expect, FinalChecks, Money, ProductChecks

ACTOR_NAME = r"^[A-Za-z_][A-Za-z0-9_-]*$"
DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class TranscriptError(ValueError):
    """A file that is not a valid transcript; the message names the key and why."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: Any) -> Any:
    # YAML reads `says: 400` as a number; a whole number is what the person typed.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text)]


class Actor(Strict):
    telegram_id: int = Field(gt=0, lt=2**52)
    name: str | None = None
    language: Literal["es", "en"] = "es"


class BuyerActor(Actor):
    blocked: bool = False  # project key: the buyer starts blocked


class ProductFixture(Strict):
    seller: str
    title: str = Field(min_length=1)
    description: str | None = None
    category: str | None = None
    condition: Literal["new", "used", "not_specified"] = "not_specified"
    price: Money | None = None
    min_price: Money | None = None
    currency: str = Field(default="EUR", pattern=r"^[A-Za-z]{3}$")
    status: Literal["draft", "processing", "ready", "publishing", "published", "reserved",
                    "sold", "inactive", "failed"] = "published"
    attributes: dict[str, Any] | None = None  # project key: stored facts (shipping, brand...)


class GeneratedPhoto(Strict):
    width: int = Field(ge=1, le=4000)
    height: int = Field(ge=1, le=4000)


class ScriptItem(Strict):
    text: str | None = None
    tool: str | None = None
    args: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _text_or_tool(self) -> ScriptItem:
        if self.text is None and self.tool is None:
            raise ValueError("each llm item needs text or tool")
        if self.args is not None and self.tool is None:
            raise ValueError("args needs tool")
        return self

    def as_script(self) -> dict[str, Any]:
        return {key: value for key, value in (("text", self.text), ("tool", self.tool),
                                              ("args", self.args)) if value is not None}


Photo = Annotated[
    Annotated[str, Tag("path")] | Annotated[GeneratedPhoto, Tag("size")],
    Discriminator(lambda value: "path" if isinstance(value, str) else "size"),
]


def parse_duration(value: str) -> timedelta:
    match = DURATION.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a duration like 90s, 30m, 2h or 3d")
    return timedelta(**{DURATION_UNITS[match.group(2)]: int(match.group(1))})


def _duration_text(value: Any) -> Any:
    if isinstance(value, str):
        parse_duration(value)
    return value


class Turn(Strict):
    seller: str | None = None
    buyer: str | None = None
    open: str | None = None
    says: Text | None = None
    photo: Photo | None = None
    caption: Text | None = None
    taps: Text | None = None
    sends: Literal["sticker", "voice"] | None = None  # project key
    quotes: Text | None = None  # project key: reply to the bot message containing this
    advance: Annotated[str, BeforeValidator(_duration_text)] | None = None
    llm: list[ScriptItem] | None = None
    expect: Expect | None = None

    @model_validator(mode="after")
    def _shape(self) -> Turn:
        if (self.seller is None) == (self.buyer is None):
            raise ValueError("a turn needs exactly one actor key: seller or buyer")
        acts = [self.open, self.says, self.photo, self.taps, self.sends, self.advance]
        if all(item is None for item in acts):
            raise ValueError("a turn needs says, photo, open, taps, sends or advance")
        if self.caption is not None and self.photo is None:
            raise ValueError("caption needs photo")
        if self.quotes is not None and self.says is None:
            raise ValueError("quotes needs says")
        if self.open is not None and self.buyer is None:
            raise ValueError("open: only a buyer opens a product's chat")
        return self

    @property
    def actor(self) -> str:
        return self.seller or self.buyer or ""

    @property
    def role(self) -> str:
        return "seller" if self.seller is not None else "buyer"

    @property
    def duration(self) -> timedelta | None:
        return parse_duration(self.advance) if self.advance is not None else None


class ReplaySettings(Strict):
    """Project key `settings`: the few service settings a transcript may set for its run."""

    rate_limit_per_actor: int | None = Field(default=None, ge=1)
    rate_limit_window_seconds: float | None = Field(default=None, gt=0)
    reservation_minutes: int | None = Field(default=None, ge=1)
    floor_ratio: Decimal | None = Field(default=None, gt=0, le=1)
    max_rounds: int | None = Field(default=None, ge=1)


class Transcript(Strict):
    name: str = Field(min_length=1)
    model: Literal["offline", "scripted"] = "offline"
    settings: ReplaySettings | None = None
    sellers: dict[str, Actor] = Field(default_factory=dict)
    buyers: dict[str, BuyerActor] = Field(default_factory=dict)
    products: dict[str, ProductFixture] = Field(default_factory=dict)
    turns: list[Turn] = Field(min_length=1)
    final: FinalChecks | None = None


class BadReference(ValueError):
    """A name that refers to nothing, found after parsing; carries the key path it is about."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


NOT_BOUND = "is not a product of the fixtures nor bound with `as` in an earlier turn"


def check_references(transcript: Transcript) -> None:
    """Names used in turns and checks refer to actors and products that exist by then."""
    _check_actors(transcript)
    for name, product in transcript.products.items():
        if product.seller not in transcript.sellers:
            raise BadReference(f"products.{name}.seller",
                               f"{product.seller!r} is not one of the sellers")
        if product.min_price is not None and (product.price is None
                                              or product.min_price > product.price):
            raise BadReference(f"products.{name}.min_price", "must not exceed price")
    known = set(transcript.products)
    for index, turn in enumerate(transcript.turns):
        _check_turn(transcript, f"turns[{index + 1}]", turn, known)
    if transcript.final is not None:
        for name in transcript.final.products:
            if name not in known:
                raise BadReference(f"final.products.{name}",
                                   "not a product of the fixtures nor bound with `as`")


def _check_actors(transcript: Transcript) -> None:
    seen: dict[int, str] = {}
    for group in ("sellers", "buyers"):
        for name, actor in getattr(transcript, group).items():
            if not re.match(ACTOR_NAME, name):
                raise BadReference(f"{group}.{name}",
                                   "an actor name is a word (letters, digits, _, -)")
            if group == "buyers" and name in transcript.sellers:
                raise BadReference(f"buyers.{name}", "already the name of a seller")
            if actor.telegram_id in seen:
                raise BadReference(f"{group}.{name}.telegram_id",
                                   f"{actor.telegram_id} is also {seen[actor.telegram_id]}'s")
            seen[actor.telegram_id] = name


def _check_turn(transcript: Transcript, where: str, turn: Turn, known: set[str]) -> None:
    actors = transcript.sellers if turn.seller is not None else transcript.buyers
    if turn.actor not in actors:
        raise BadReference(f"{where}.{turn.role}",
                           f"{turn.actor!r} is not one of the {turn.role}s")
    if turn.llm is not None and transcript.model != "scripted":
        raise BadReference(f"{where}.llm", "only with model: scripted")
    if turn.open is not None and turn.open not in known:
        raise BadReference(f"{where}.open", f"{turn.open!r} {NOT_BOUND}")
    expect = turn.expect
    if expect is None:
        return
    if expect.offer is not None and turn.buyer is None:
        raise BadReference(f"{where}.expect.offer", "only in a buyer's turn")
    for name in expect.notifies or {}:
        if name not in transcript.sellers and name not in transcript.buyers:
            raise BadReference(f"{where}.expect.notifies.{name}", "not one of the actors")
    _check_product_refs(f"{where}.expect.product", turn, expect.product, known)


def _check_product_refs(where: str, turn: Turn, checks: ProductChecks | None,
                        known: set[str]) -> None:
    if checks is None:
        return
    if checks.ref is not None and checks.ref not in known:
        raise BadReference(f"{where}.ref", f"{checks.ref!r} {NOT_BOUND}")
    if checks.as_ is not None:
        if turn.seller is None:
            raise BadReference(f"{where}.as", "only in a seller's turn")
        known.add(checks.as_)
