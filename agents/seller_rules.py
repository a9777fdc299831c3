"""Rules every seller operation shares: listing limits, the status move, the error type."""

from __future__ import annotations

from agents.turn_context import tool_error
from storage.models import Product, ProductStatus
from storage.product_status import can_transition

TITLE_RANGE = (10, 60)
MIN_DESCRIPTION = 50
# The button that answers "which product?" (agents/selling.py asks, agents/button_actions.py
# runs the seller's command again on the one chosen).
PICK_CALLBACK = "listing:pick:"


class SellingError(Exception):
    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def as_result(self) -> dict[str, object]:
        return {**tool_error(self.code, self.message), **self.details}


def move_status(product: Product, new: ProductStatus) -> None:
    if not can_transition(product.status, new):
        raise SellingError("bad_status", f"A {product.status} product cannot become {new}.")
    product.status = new
