"""Message text formatting the way Telegram does it: HTML parse mode into plain text plus
entities (offsets in UTF-16 code units), and the bot_command entity of user messages."""

from __future__ import annotations

import html
import re
from typing import Any

PARSE_MODES = {"HTML", "Markdown", "MarkdownV2"}

# tag -> entity type; "a", "span", "code" and "blockquote" are resolved from attributes
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
}
_OTHER_TAGS = {"a", "span", "code", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")


class EntityParseError(ValueError):
    """The text's markup is invalid; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for `text` sent with `parse_mode`.

    HTML is parsed strictly (unknown or unbalanced tags are errors, as on Telegram).
    Markdown modes are accepted and passed through as plain text: the bot does not use them,
    and a faithful parser is not worth its weight here.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a JSON "\ud800"
        raise EntityParseError("strings must be encoded in UTF-8") from None
    if not parse_mode:
        return text, []
    if parse_mode not in PARSE_MODES:
        raise EntityParseError(f"unsupported parse_mode {parse_mode!r}")
    if parse_mode != "HTML":
        return text, []
    return _parse_html(text)


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[tuple[str, dict[str, Any] | None]] = []
    entities: list[dict[str, Any]] = []
    position = 0
    while position < len(source):
        start = source.find("<", position)
        chunk = source[position:] if start < 0 else source[position:start]
        if chunk:
            plain = html.unescape(chunk)
            out.append(plain)
            out_len += utf16_len(plain)
        if start < 0:
            break
        match = _TAG.match(source, start)
        offset = len(source[:start].encode("utf-8"))
        if not match:
            raise EntityParseError(
                f"can't parse entities: Unsupported start tag at byte offset {offset}"
            )
        closing, name, attrs, _ = match.groups()
        name = name.lower()
        if name not in _SIMPLE_TAGS and name not in _OTHER_TAGS:
            raise EntityParseError(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        if closing:
            if not stack or stack[-1][0] != name:
                raise EntityParseError(
                    f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                    f'expected "</{stack[-1][0]}>", found "</{name}>"'
                    if stack
                    else f"can't parse entities: Unexpected end tag at byte offset {offset}"
                )
            _, entity = stack.pop()
            if entity is not None:
                entity["length"] = out_len - entity["offset"]
                if entity["length"] > 0:
                    entities.append(entity)
        else:
            entity = _entity_for(name, _attributes(attrs), out_len, stack)
            stack.append((name, entity))
        position = match.end()
    if stack:
        raise EntityParseError(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda item: (item["offset"], -item["length"]))
    return "".join(out), entities


def _attributes(raw: str) -> dict[str, str]:
    return {
        match.group(1).lower(): html.unescape(
            match.group(2) or match.group(3) or match.group(4) or ""
        )
        for match in _ATTR.finditer(raw or "")
    }


def _entity_for(
    name: str, attrs: dict[str, str], offset: int, stack: list[tuple[str, dict[str, Any] | None]]
) -> dict[str, Any] | None:
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name], "offset": offset, "length": 0}
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            return None  # Telegram drops links without a target and keeps the text
        return {"type": "text_link", "offset": offset, "length": 0, "url": href}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise EntityParseError('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
        return {"type": "spoiler", "offset": offset, "length": 0}
    if name == "code":
        language = attrs.get("class", "").removeprefix("language-")
        parent_name, parent = stack[-1] if stack else ("", None)
        if parent_name == "pre" and parent is not None:
            # <pre><code class="language-x"> is one pre entity with a language
            if language:
                parent["language"] = language
            return None
        return {"type": "code", "offset": offset, "length": 0}
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        return {"type": kind, "offset": offset, "length": 0}
    return None  # tg-emoji: the fallback emoji text stays, no entity needed locally


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds for a leading /command in a user's message."""
    match = _COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
