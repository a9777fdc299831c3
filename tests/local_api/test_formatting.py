"""HTML parse mode the way Telegram applies it: plain text plus UTF-16 entities, strict tags."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devtools.local_api.formatting import (
    EntityParseError,
    command_entities,
    parse_text,
    utf16_len,
)


def test_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_text(
        '😀 <b>Trek</b> a <a href="https://x.org/?a=1&amp;b=2">350€</a>', "HTML"
    )

    assert text == "😀 Trek a 350€"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},  # the emoji counts two UTF-16 units
        {"type": "text_link", "offset": 10, "length": 4, "url": "https://x.org/?a=1&b=2"},
    ]


def test_nested_tags_escapes_and_code_language() -> None:
    text, entities = parse_text(
        '<b>1 &lt; 2 <i>y</i></b><pre><code class="language-python">x</code></pre>', "HTML"
    )

    assert text == "1 < 2 yx"
    assert {"type": "bold", "offset": 0, "length": 7} in entities
    assert {"type": "italic", "offset": 6, "length": 1} in entities
    assert {"type": "pre", "offset": 7, "length": 1, "language": "python"} in entities


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<blink>x</blink>", 'Unsupported start tag "blink"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x </b>", "Unexpected end tag"),
        ('<span class="big">x</span>', "tg-spoiler"),
    ],
)
def test_bad_markup_is_refused(source: str, message: str) -> None:
    with pytest.raises(EntityParseError, match=message):
        parse_text(source, "HTML")


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(EntityParseError, match="UTF-8"):
        parse_text("lone \ud800 surrogate", None)


def test_other_parse_modes() -> None:
    assert parse_text("*hola*", "MarkdownV2") == ("*hola*", [])
    assert parse_text("<b>x</b>", None) == ("<b>x</b>", [])
    with pytest.raises(EntityParseError, match="unsupported parse_mode"):
        parse_text("x", "BBCode")


@given(st.text(alphabet=st.characters(blacklist_characters="<&", blacklist_categories=["Cs"])))
def test_plain_text_survives_html_mode_unchanged(text: str) -> None:
    assert parse_text(text, "HTML") == (text, [])


@given(
    st.text(
        min_size=1, alphabet=st.characters(blacklist_characters="<>&", blacklist_categories=["Cs"])
    )
)
def test_bold_entity_covers_exactly_the_wrapped_text(text: str) -> None:
    plain, entities = parse_text(f"a<b>{text}</b>", "HTML")

    assert plain == "a" + text
    assert entities == [{"type": "bold", "offset": 1, "length": utf16_len(text)}]


def test_leading_command_entity() -> None:
    assert command_entities("/start p_1") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("/start@marketbot_local_bot") == [
        {"type": "bot_command", "offset": 0, "length": 26}
    ]
    assert command_entities("hola /start") == []
