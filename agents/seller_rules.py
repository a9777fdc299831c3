"""Rules every seller operation shares: listing limits, the status move, the error type."""

from __future__ import annotations

from agents.turn_context import tool_error
from storage.models import Product, ProductStatus
from storage.product_status import can_transition

TITLE_RANGE = (10, 60)
MIN_DESCRIPTION = 50


class SellingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def as_result(self) -> dict[str, str]:
        return tool_error(self.code, self.message)


def move_status(product: Product, new: ProductStatus) -> None:
    if not can_transition(product.status, new):
        raise SellingError("bad_status", f"A {product.status} product cannot become {new}.")
    product.status = new
