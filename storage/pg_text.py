"""Text PostgreSQL refuses, made storable: NUL characters and lone surrogates.

PostgreSQL's `text` and `jsonb` cannot hold U+0000, and UTF-8 has no lone surrogates (JSON's
`\\ud800` escapes decode to them). A message carrying either is stored with them removed or
replaced, never refused: losing one invisible character beats losing the message.
"""

from __future__ import annotations

from typing import Any


def clean_text(value: str) -> str:
    """The text without NUL, with any lone surrogate replaced by U+FFFD. A text of nothing but
    NULs becomes U+FFFD, not empty: an empty text would reach no handler and get no answer."""
    if value.isascii():
        cleaned = value.replace("\x00", "") if "\x00" in value else value
    else:
        cleaned = value.replace("\x00", "")
        try:
            cleaned.encode("utf-8")
        except UnicodeEncodeError:
            cleaned = cleaned.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return cleaned if cleaned or not value else "\ufffd"


def clean_json(value: Any) -> tuple[Any, bool]:
    """The JSON-like value with every string (keys too) cleaned, and whether anything changed."""
    if isinstance(value, str):
        cleaned = clean_text(value)
        return cleaned, cleaned is not value and cleaned != value
    if isinstance(value, dict):
        changed = False
        result: dict[Any, Any] = {}
        for key, item in value.items():
            new_key, key_changed = clean_json(key)
            new_item, item_changed = clean_json(item)
            result[new_key] = new_item
            changed = changed or key_changed or item_changed
        return (result, True) if changed else (value, False)
    if isinstance(value, list):
        items = [clean_json(item) for item in value]
        if any(changed for _, changed in items):
            return [item for item, _ in items], True
        return value, False
    return value, False
