"""Text PostgreSQL refuses is cleaned, and never cleaned into nothing."""

from __future__ import annotations

from storage.pg_text import clean_json, clean_text


def test_nul_is_removed_and_a_lone_surrogate_replaced() -> None:
    assert clean_text("ho\x00la") == "hola"
    cleaned = clean_text("caf\u00e9 \ud800")
    assert cleaned.startswith("caf\u00e9 \ufffd") and "\ud800" not in cleaned
    cleaned.encode("utf-8")  # storable
    assert clean_text("hola") == "hola"


def test_a_text_of_only_nul_keeps_something_to_answer() -> None:
    assert clean_text("\x00") == "\ufffd"
    assert clean_text("\x00\x00\x00") == "\ufffd"
    assert clean_text("") == ""


def test_json_reports_whether_it_changed() -> None:
    assert clean_json({"text": "\x00"}) == ({"text": "\ufffd"}, True)
    value = {"text": "hola", "n": [1, "dos"]}
    assert clean_json(value) == (value, False)
