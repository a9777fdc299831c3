"""The `expect:` and `final:` keys of a transcript, as strict pydantic models.

Amounts are `Decimal`s (YAML numbers or strings); `none` (or an explicit null) where an amount
is expected means "there is none" (`offer: {amount: none}`, `product: {sold_price: none}`).
Regular expressions are compiled here, so a bad one is a bad transcript, not a failed replay.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

NONE = "none"
ProductStatusName = Literal["draft", "processing", "ready", "publishing", "published",
                            "reserved", "sold", "inactive", "failed"]


def to_money(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an amount, not true/false")
    if isinstance(value, int | float | str) and not isinstance(value, Decimal):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
        if not amount.is_finite() or amount <= 0:
            raise ValueError(f"{value!r} is not a positive amount")
        return amount
    return value


def to_money_or_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() == NONE):
        return NONE
    return to_money(value)


def to_list(value: Any) -> Any:
    """A single string where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


def to_regex(value: Any) -> Any:
    if isinstance(value, str):
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression ({error})") from None
    return value


Money = Annotated[Decimal, BeforeValidator(to_money)]
MoneyOrNone = Annotated[Decimal | Literal["none"], BeforeValidator(to_money_or_none)]
Strings = Annotated[list[str], BeforeValidator(to_list)]
Regex = Annotated[str, BeforeValidator(to_regex)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ProductFields(Strict):
    status: ProductStatusName | None = None
    price: MoneyOrNone | None = None
    min_price: MoneyOrNone | None = None
    title: str | None = None
    sold_price: MoneyOrNone | None = None

    def checked(self) -> dict[str, Any]:
        """The fields this check names (an absent key is not checked)."""
        names = ("status", "price", "min_price", "title", "sold_price")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class ProductChecks(ProductFields):
    ref: str | None = None
    as_: str | None = Field(default=None, alias="as")

    @model_validator(mode="after")
    def _one_target(self) -> ProductChecks:
        if self.ref is not None and self.as_ is not None:
            raise ValueError("give ref or as, not both")
        return self


class OfferChecks(Strict):
    amount: MoneyOrNone | None = None
    status: Literal["pending", "countered", "accepted", "rejected", "expired",
                    "withdrawn"] | None = None
    by: Literal["buyer", "bot", "seller"] = "buyer"

    @model_validator(mode="after")
    def _something(self) -> OfferChecks:
        if self.amount is None and self.status is None:
            raise ValueError("offer needs amount or status")
        if self.amount == NONE and self.status is not None:
            raise ValueError("amount: none means there is no offer; it has no status")
        return self


class ListingChecks(Strict):
    title_matches: Regex | None = None
    min_description_length: int | None = Field(default=None, ge=0)
    category_matches: Regex | None = None
    confidence_at_least: float | None = Field(default=None, ge=0, le=1)


class Expect(Strict):
    reply_contains: Strings | None = None
    reply_not_contains: Strings | None = None
    reply_matches: Regex | None = None
    no_reply: bool | None = None
    buttons: Strings | None = None
    notifies: dict[str, Strings] | None = None
    offer: OfferChecks | None = None
    product: ProductChecks | None = None
    listing: ListingChecks | None = None
    tools: Strings | None = None
    products_count: int | None = Field(default=None, ge=0)
    is_seller: bool | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.no_reply and (self.reply_contains or self.reply_matches or self.buttons):
            raise ValueError("no_reply: true contradicts reply_contains, reply_matches and "
                             "buttons")
        return self


class FinalChecks(Strict):
    products: dict[str, ProductFields] = Field(default_factory=dict)
