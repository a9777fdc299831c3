"""The product status machine as plain data: its shape, check_transition, and the trigger SQL."""

from __future__ import annotations

import re
from collections import deque
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.product_status import (
    ALLOWED_TRANSITIONS,
    ForbiddenTransition,
    ProductStatus,
    can_transition,
    check_transition,
    trigger_function_sql,
)

S = ProductStatus
statuses = st.sampled_from(ProductStatus)

TRIGGER_BRANCH = re.compile(
    r"IF OLD\.status = '(\w+)'(?: AND NEW\.status::text NOT IN \(([^)]*)\))? THEN\n"
    r"\s+RAISE EXCEPTION 'forbidden product status transition: % -> %'"
)


def reachable_from(start: ProductStatus) -> set[ProductStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in ALLOWED_TRANSITIONS[queue.popleft()] - seen:
            seen.add(target)
            queue.append(target)
    return seen


def test_every_status_has_rules_and_none_lists_itself():
    assert set(ALLOWED_TRANSITIONS) == set(ProductStatus)
    assert all(status not in targets for status, targets in ALLOWED_TRANSITIONS.items())


def test_design_happy_path_is_allowed():
    path = [S.DRAFT, S.PROCESSING, S.READY, S.PUBLISHING, S.PUBLISHED, S.RESERVED, S.SOLD]
    for current, new in pairwise(path):
        check_transition(current, new)


def test_sold_is_terminal_and_reachable_from_every_other_status():
    assert ALLOWED_TRANSITIONS[S.SOLD] == frozenset()
    for status in ProductStatus:
        assert S.SOLD in reachable_from(status), status


def test_every_status_is_reachable_from_draft():
    assert reachable_from(S.DRAFT) == set(ProductStatus)


@pytest.mark.parametrize(
    ("current", "new"),
    [(S.DRAFT, S.PUBLISHED), (S.SOLD, S.PUBLISHED), (S.PUBLISHED, S.DRAFT), (S.PROCESSING, S.SOLD)],
)
def test_forbidden_transition_names_both_statuses(current, new):
    with pytest.raises(ForbiddenTransition, match=f"from {current} to {new}"):
        check_transition(current, new)


def test_forbidden_transition_is_a_value_error():
    assert issubclass(ForbiddenTransition, ValueError)


@given(statuses)
def test_same_status_always_allowed(status):
    assert can_transition(status, status)
    check_transition(status, status)


@given(statuses, statuses)
def test_check_transition_agrees_with_the_table(current, new):
    allowed = current == new or new in ALLOWED_TRANSITIONS[current]
    assert can_transition(current, new) is allowed
    if allowed:
        check_transition(current, new)
    else:
        with pytest.raises(ForbiddenTransition):
            check_transition(current, new)


def test_trigger_sql_encodes_exactly_the_table():
    sql = trigger_function_sql()
    branches = TRIGGER_BRANCH.findall(sql)
    encoded = {
        S(status): frozenset(S(name.strip(" '")) for name in names.split(",") if name.strip())
        for status, names in branches
    }
    assert len(branches) == len(ProductStatus)
    assert encoded == ALLOWED_TRANSITIONS
    # A terminal status must not produce `NOT IN ()`, which PostgreSQL refuses.
    assert "NOT IN ()" not in sql
    assert "IF OLD.status = NEW.status THEN\n        RETURN NEW;" in sql
    assert "USING ERRCODE = 'check_violation'" in sql
