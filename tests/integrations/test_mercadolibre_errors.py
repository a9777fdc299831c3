"""Error sentences, backoff arithmetic and attribute filling: the pure parts of the client."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tenacity import RetryCallState

from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.backoff import (
    retry_after_seconds,
    wait_full_jitter,
    wait_retry_after,
)
from integrations.mercadolibre.errors import MissingRequiredAttributes, error_from_response
from integrations.mercadolibre.item_payload import (
    CategoryAttribute,
    fill_attributes,
    price_json,
)


def test_known_codes_get_our_sentence_and_warnings_are_ignored() -> None:
    body = {
        "message": "Validation error",
        "error": "validation_error",
        "status": 400,
        "cause": [
            {"type": "warning", "code": "shipping.me2_adoption_mandatory", "message": "ME2"},
            {
                "department": "items",
                "type": "error",
                "code": "item.title.length",
                "references": ["item.title"],
                "message": "Title length is larger than 60 characters",
            },
        ],
    }
    error = error_from_response(400, body)
    assert error.code == "item.title.length"
    assert error.reason == "MercadoLibre rejected the title: it must be 60 characters or fewer."


def test_unknown_code_falls_back_to_mercadolibres_message() -> None:
    body = {
        "message": "Validation error",
        "error": "validation_error",
        "status": 400,
        "cause": [
            {
                "type": "error",
                "code": "item.shipping.free_mandatory",
                "message": "Free shipping is mandatory for this price",
            }
        ],
    }
    error = error_from_response(400, body)
    assert error.code == "item.shipping.free_mandatory"
    assert error.reason == (
        "MercadoLibre rejected the request: Free shipping is mandatory for this price"
    )


def test_several_error_causes_are_all_reported() -> None:
    body = {
        "message": "Validation error",
        "error": "validation_error",
        "status": 400,
        "cause": [
            {"type": "error", "code": "item.price.invalid", "message": "price too low"},
            {"type": "error", "code": "item.pictures.invalid", "message": "bad picture"},
        ],
    }
    reason = error_from_response(400, body).reason
    assert "price" in reason and "photos" in reason


def test_seller_cannot_list_and_moderation_codes() -> None:
    cannot = error_from_response(
        403,
        {
            "message": "seller.unable_to_list",
            "error": "User is unable to list.",
            "status": 403,
            "cause": ["phone_pending"],
        },
    )
    assert cannot.code == "seller.unable_to_list"
    assert "cannot publish right now" in cannot.reason


def test_html_gateway_errors_are_retryable_and_not_echoed() -> None:
    error = error_from_response(502, "<html><body>Bad Gateway</body></html>")
    assert (error.retryable, error.status, error.code) == (True, 502, None)
    assert "<html>" not in error.reason


def test_plain_4xx_without_code_keeps_the_message() -> None:
    error = error_from_response(
        400, {"message": "Answer already exists", "error": "bad_request", "status": 400}
    )
    assert error.reason == "MercadoLibre rejected the request: Answer already exists"
    assert error.retryable is False


@given(
    attempt=st.integers(min_value=0, max_value=30),
    base=st.floats(min_value=0.01, max_value=5),
    cap=st.floats(min_value=0.01, max_value=60),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_full_jitter_stays_between_zero_and_the_capped_ceiling(
    attempt: int, base: float, cap: float, draw: float
) -> None:
    wait = wait_full_jitter(base=base, cap=cap, draw=lambda: draw)
    delay = wait(retry_state(attempt + 1, ValueError()))
    assert 0 <= delay <= min(cap, base * 2**attempt)


def test_retry_after_wait_prefers_the_servers_wait_over_the_backoff() -> None:
    class Busy(Exception):
        def __init__(self, retry_after: float | None) -> None:
            self.retry_after = retry_after

    wait = wait_retry_after(wait_full_jitter(base=0.5, cap=8, draw=lambda: 0.5))
    assert wait(retry_state(1, Busy(7.0))) == 7.0
    assert wait(retry_state(1, Busy(0.0))) == 0.0
    assert wait(retry_state(3, Busy(None))) == 1.0  # 0.5 * 2**2, drawn at its middle
    assert wait(retry_state(2, ValueError())) == 0.5


def retry_state(attempt_number: int, failure: BaseException) -> RetryCallState:
    """tenacity's record of a call whose try number `attempt_number` raised `failure`."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt_number
    state.set_exception((type(failure), failure, None))
    return state


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Tue, 05 Mar 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Tue, 05 Mar 2024 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


CATEGORY = [
    CategoryAttribute(id="BRAND", name="Marca", required=True, read_only=False),
    CategoryAttribute(id="MODEL", name="Modelo", required=True, read_only=False),
    CategoryAttribute(id="COLOR", name="Color", required=False, read_only=False),
]


def test_attributes_match_by_id_or_name_ignoring_case_and_underscores() -> None:
    filled = fill_attributes(
        "MLA1292", CATEGORY, {"marca": " Trek ", "Model": "Marlin", "Peso": "12 kg"}
    )
    assert filled == [
        {"id": "BRAND", "value_name": "Trek"},
        {"id": "MODEL", "value_name": "Marlin"},
    ]


def test_blank_values_count_as_missing() -> None:
    with pytest.raises(MissingRequiredAttributes) as raised:
        fill_attributes("MLA1292", CATEGORY, {"Marca": "Trek", "Modelo": "  "})
    assert raised.value.missing == ["Modelo"]
    assert raised.value.category_id == "MLA1292"


@pytest.mark.parametrize(
    ("price", "expected"),
    [(Decimal("350"), 350), (Decimal("350.00"), 350), (Decimal("99.9"), 99.9)],
)
def test_prices_become_json_numbers(price: Decimal, expected: float) -> None:
    value = price_json(price)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-1"), Decimal("1.001")])
def test_impossible_prices_are_refused(price: Decimal) -> None:
    with pytest.raises(MarketplaceError):
        price_json(price)
