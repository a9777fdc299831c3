"""The product status machine: which status may follow which.

Plain data, shared by domain code (to refuse early with a clear message) and by the database
trigger (so a bug cannot store a forbidden transition). Same-status updates are always allowed.
"""

from __future__ import annotations

from enum import StrEnum


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PROCESSING = "processing"
    READY = "ready"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    RESERVED = "reserved"
    SOLD = "sold"
    INACTIVE = "inactive"
    FAILED = "failed"


S = ProductStatus

ALLOWED_TRANSITIONS: dict[ProductStatus, frozenset[ProductStatus]] = {
    S.DRAFT: frozenset({S.PROCESSING, S.INACTIVE, S.FAILED}),
    S.PROCESSING: frozenset({S.READY, S.FAILED}),
    S.READY: frozenset({S.PROCESSING, S.PUBLISHING, S.INACTIVE, S.FAILED}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED}),
    S.PUBLISHED: frozenset({S.RESERVED, S.SOLD, S.INACTIVE}),
    S.RESERVED: frozenset({S.PUBLISHED, S.SOLD, S.INACTIVE}),
    S.SOLD: frozenset(),
    # A paused product may have been sold elsewhere: the seller can still mark it sold.
    S.INACTIVE: frozenset({S.PUBLISHED, S.READY, S.PROCESSING, S.SOLD}),
    S.FAILED: frozenset({S.PROCESSING, S.READY, S.PUBLISHING, S.INACTIVE}),
}


class ForbiddenTransition(ValueError):
    """A status change the product state machine does not allow."""


def can_transition(current: ProductStatus, new: ProductStatus) -> bool:
    return current == new or new in ALLOWED_TRANSITIONS[current]


def check_transition(current: ProductStatus, new: ProductStatus) -> None:
    if not can_transition(current, new):
        raise ForbiddenTransition(f"a product cannot go from {current} to {new}")


def trigger_function_sql() -> str:
    """PL/pgSQL body of the trigger function, generated from ALLOWED_TRANSITIONS."""
    branches = []
    for current, allowed in ALLOWED_TRANSITIONS.items():
        names = ", ".join(f"'{s}'" for s in sorted(allowed))
        # A terminal status allows nothing (and `NOT IN ()` is not valid SQL).
        condition = f" AND NEW.status::text NOT IN ({names})" if allowed else ""
        branches.append(
            f"    IF OLD.status = '{current}'{condition} THEN\n"
            f"        RAISE EXCEPTION 'forbidden product status transition: % -> %',"
            f" OLD.status, NEW.status USING ERRCODE = 'check_violation';\n"
            f"    END IF;"
        )
    body = "\n".join(branches)
    return (
        "CREATE OR REPLACE FUNCTION check_product_status_transition() RETURNS trigger AS $$\n"
        "BEGIN\n"
        "    IF OLD.status = NEW.status THEN\n        RETURN NEW;\n    END IF;\n"
        f"{body}\n"
        "    RETURN NEW;\n"
        "END;\n$$ LANGUAGE plpgsql;"
    )
