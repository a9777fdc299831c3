"""MercadoLibre's error bodies turned into sentences a seller can act on.

MercadoLibre answers errors as `{"message", "error", "status", "cause": [...]}` where each cause
may carry a `code` ("item.category_id.invalid"), a `type` ("error" or "warning"), `references`
and a `message`. Older endpoints put the code in `message` ("body.invalid_fields") and the detail in
`error`. `error_from_response` reads both shapes; the seller sees our sentence for the codes we
know and MercadoLibre's own message otherwise, never a stack of JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from integrations.marketplace import MarketplaceError


class MissingRequiredAttributes(MarketplaceError):
    """The category needs attributes the listing does not have; `missing` names them."""

    def __init__(self, category_id: str, missing: list[str]) -> None:
        super().__init__(
            f"MercadoLibre needs these details for category {category_id} before publishing: "
            f"{', '.join(missing)}.",
            code="item.attributes.missing_required",
        )
        self.category_id = category_id
        self.missing = missing


class DescriptionNotSaved(MarketplaceError):
    """The item was created but its description was refused; `item_id` exists on MercadoLibre.

    Store the publication anyway and retry `set_description`; publishing again would duplicate it.
    """

    def __init__(self, item_id: str, permalink: str, status: str, cause: MarketplaceError) -> None:
        super().__init__(
            f"The listing {item_id} is published but MercadoLibre did not save its description: "
            f"{cause.reason}",
            code=cause.code,
            retryable=cause.retryable,
            status=cause.status,
        )
        self.item_id = item_id
        self.permalink = permalink
        self.item_status = status


class OAuthError(MarketplaceError):
    """The OAuth token endpoint refused a request."""


class InvalidGrant(OAuthError):
    """The authorization code or refresh token is expired, used or revoked: reconnect."""

    def __init__(self, status: int | None = 400) -> None:
        super().__init__(
            "MercadoLibre no longer accepts the saved authorization: "
            "reconnect your MercadoLibre account.",
            code="invalid_grant",
            status=status,
        )


_CODE_LIKE = re.compile(r"^[a-z_]+(\.[a-zA-Z_]+)+$")
_CATEGORY_ID = re.compile(r"\b[A-Z]{3}\d+\b")
_BRACKETED = re.compile(r"\[([^\]]*)\]")

_FIXED_REASONS: dict[str, str] = {
    "item.title.length": "MercadoLibre rejected the title: it must be 60 characters or fewer.",
    "item.title.invalid": (
        "MercadoLibre rejected the title: leave out contact details, links and promotional words."
    ),
    "item.price.invalid": (
        "MercadoLibre rejected the price: it is outside what this category allows."
    ),
    "item.price.not_modifiable": "MercadoLibre does not allow changing this listing's price now.",
    "item.pictures.invalid": "MercadoLibre could not use the photos: send clear JPG or PNG photos.",
    "item.pictures.max": "MercadoLibre accepts fewer photos for this listing: remove some.",
    "item.listing_type_id.requiresPictures": (
        "MercadoLibre needs at least one photo to publish this listing."
    ),
    "item.listing_type_id.invalid": (
        "MercadoLibre does not offer this listing type for this account or category."
    ),
    "item.currency_id.invalid": "MercadoLibre does not accept this currency on this site.",
    "item.condition.invalid": (
        "MercadoLibre does not accept this condition (new or used) in this category."
    ),
    "item.available_quantity.invalid": "MercadoLibre rejected the quantity available.",
    "item.status.invalid": "MercadoLibre does not allow this status change for the listing.",
    "field_not_updatable": "MercadoLibre does not allow changing that on this listing now.",
    "seller.unable_to_list": (
        "Your MercadoLibre account cannot publish right now: "
        "check the pending requirements in your MercadoLibre account."
    ),
    "moderations.seller.not_authorized": (
        "MercadoLibre does not authorize your account to sell this brand in this category."
    ),
    "body.invalid": "MercadoLibre could not read the listing data.",
}


def _category_reason(detail: str, fields: list[str]) -> str:
    match = _CATEGORY_ID.search(detail)
    which = f" {match.group(0)}" if match else ""
    return (
        f"MercadoLibre rejected the category{which}: "
        "choose a more specific category that accepts this product."
    )


def _fields_reason(detail: str, fields: list[str]) -> str:
    if not fields:
        return "MercadoLibre rejected some fields of the listing."
    return f"MercadoLibre rejected these fields of the listing: {', '.join(fields)}."


def _missing_attributes_reason(detail: str, fields: list[str]) -> str:
    suffix = f" ({detail})" if detail else ""
    return f"MercadoLibre needs more product details for this category{suffix}."


_COMPUTED_REASONS: dict[str, Callable[[str, list[str]], str]] = {
    "item.category_id.invalid": _category_reason,
    "body.invalid_fields": _fields_reason,
    "item.attributes.missing_required": _missing_attributes_reason,
}


def _status_reason(status: int, detail: str) -> str:
    if status == 401:
        return "MercadoLibre did not accept the saved access: reconnect your MercadoLibre account."
    if status == 403:
        return "MercadoLibre does not allow this operation for your account."
    if status == 404:
        return "MercadoLibre could not find that listing or question."
    if status == 429:
        return "MercadoLibre is receiving too many requests: try again in a few minutes."
    if status >= 500:
        return "MercadoLibre is not responding properly right now: try again later."
    if detail:
        return f"MercadoLibre rejected the request: {detail}"
    return f"MercadoLibre rejected the request (HTTP {status})."


def _error_causes(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The causes of type error (warnings do not block an operation); old string causes skipped."""
    causes = body.get("cause") or []
    if not isinstance(causes, list):
        return []
    return [c for c in causes if isinstance(c, Mapping) and c.get("type", "error") == "error"]


def _fields_of(body: Mapping[str, Any], causes: list[Mapping[str, Any]]) -> list[str]:
    """Field names from `[a, b]` in the messages or from cause references (`item.title`)."""
    fields: list[str] = []
    texts = [str(body.get(key) or "") for key in ("error", "message")]
    texts += [str(c) for c in (body.get("cause") or []) if isinstance(c, str)]
    for text in texts:
        for group in _BRACKETED.findall(text):
            fields += [part.strip() for part in group.split(",") if part.strip()]
    for cause in causes:
        for reference in cause.get("references") or []:
            fields.append(str(reference).removeprefix("item."))
    return list(dict.fromkeys(fields))


def error_from_response(status: int, body: Any) -> MarketplaceError:
    """The MarketplaceError for one HTTP error response (`body` is parsed JSON or raw text)."""
    retryable = status == 429 or status >= 500
    if not isinstance(body, Mapping):
        text = str(body or "").strip()
        return MarketplaceError(
            _status_reason(status, text[:200] if status < 500 else ""),
            retryable=retryable,
            status=status,
        )
    causes = _error_causes(body)
    fields = _fields_of(body, causes)
    message = str(body.get("message") or "")
    error = str(body.get("error") or "")

    reasons: list[str] = []
    codes: list[str] = []
    for cause in causes:
        code = str(cause.get("code") or "")
        detail = str(cause.get("message") or "")
        codes.append(code)
        reasons.append(_reason_for(code, detail, fields) or _status_reason(status, detail or code))
    if not reasons:
        code = message if _CODE_LIKE.match(message) else error
        detail = error if code == message else message
        codes.append(code)
        reasons.append(_reason_for(code, detail, fields) or _status_reason(status, detail or error))
    return MarketplaceError(
        " ".join(dict.fromkeys(reasons)),
        code=next((c for c in codes if c), None),
        retryable=retryable,
        status=status,
    )


def _reason_for(code: str, detail: str, fields: list[str]) -> str | None:
    if code in _COMPUTED_REASONS:
        return _COMPUTED_REASONS[code](detail, fields)
    return _FIXED_REASONS.get(code)
