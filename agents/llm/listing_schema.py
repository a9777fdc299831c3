"""The structured output the listing model must return, validated before anything is stored.

The field descriptions are the model's instructions (they travel in the JSON schema), so they
say what to write, not how the code uses it. Validation is strict where the database is (title
10-60 characters, description of at least 50, a positive price) and forgiving where the model's
formatting is harmless ("Used" -> "used", "eur" -> "EUR", a number as an attribute value).
Pass `context={"category_ids": {...}}` to `model_validate` to also require a known category.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 10, 60
DESCRIPTION_MIN_LENGTH = 50

# Decimal's default schema is a number-or-pattern-string union; the model only needs a number.
PositivePrice = Annotated[Decimal, Field(gt=0), WithJsonSchema({"type": "number"})]


class ListingProposal(BaseModel):
    """A second-hand marketplace listing written from the seller's words and photos."""

    model_config = ConfigDict(str_strip_whitespace=True, coerce_numbers_to_str=True)

    title: str = Field(
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        description=(
            "Listing title, 10 to 60 characters, in the seller's language: the item type, brand, "
            "model and one key fact (size, capacity). No price, no emojis, no words like "
            "'vendo' or 'selling'. Example: 'Bici Trek Marlin 5 talla M'."
        ),
    )
    description: str = Field(
        min_length=DESCRIPTION_MIN_LENGTH,
        description=(
            "Honest description of at least 50 characters, in the seller's language, using only "
            "facts the seller wrote or the photos clearly show (condition, what is included, "
            "defects). Never invent specifications, accessories, warranties or history."
        ),
    )
    category_id: str = Field(
        min_length=1,
        description="Id of the most specific category that fits, e.g. 'MLA1055' for smartphones.",
    )
    condition: Literal["new", "used", "not_specified"] = Field(
        description=(
            "'new' only if the seller says new, sealed or unused; 'used' if the seller says used, "
            "like new or good condition; 'not_specified' when the seller does not say."
        ),
    )
    suggested_price: PositivePrice | None = Field(
        default=None,
        description=(
            "The asking price the seller wrote, as a number greater than 0 without currency "
            "symbols. If the seller gave no price, a cautious second-hand estimate, or null when "
            "you cannot estimate it."
        ),
    )
    currency: str = Field(
        default="EUR",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of the price's currency, e.g. 'EUR', 'USD', 'ARS'.",
    )
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Facts about the item as NAME: value pairs with upper-case names, e.g. BRAND, MODEL, "
            "SIZE, COLOR, STORAGE, YEAR. Only what the seller wrote or the photos show."
        ),
    )

    @field_validator("condition", mode="before")
    @classmethod
    def _normalise_condition(cls, value: Any) -> Any:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(
            value, str) else value

    @field_validator("currency", mode="before")
    @classmethod
    def _normalise_currency(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise ValueError("currency must be a 3-letter ISO 4217 code such as EUR or USD")
        return code

    @field_validator("suggested_price")
    @classmethod
    def _cents(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(Decimal("0.01"))

    @field_validator("attributes", mode="before")
    @classmethod
    def _normalise_attributes(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        # "brand " -> "BRAND", "screen size" -> "SCREEN_SIZE"; empty values say nothing.
        return {
            "_".join(str(key).upper().split()): item
            for key, item in value.items()
            if str(key).strip() and item is not None and str(item).strip()
        }

    @field_validator("category_id")
    @classmethod
    def _known_category(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("category_ids")
        if known is not None and value not in known:
            raise ValueError(f"unknown category id {value!r}; use one of the listed category ids")
        return value


def describe_validation_error(error: ValidationError) -> str:
    """One English sentence per problem, to log or to send back to the model for a retry."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "proposal"
        given = item.get("input")
        shown = f" (got {given!r:.80})" if isinstance(given, str | int | float | Decimal) else ""
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{field}: {message}{shown}")
    return "Invalid listing proposal: " + "; ".join(problems) + "."
