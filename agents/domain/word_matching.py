"""Words of a text for keyword matching: folded (case and accents), with their spans, and
phrases found among them (a plural ending on the text's word allowed).

Used by the category tree, the listing draft and the price reader. Unlike the intent reader's
`agents.domain.intents_amounts.fold`, this fold may change a text's length (it decomposes), so it
works per word and keeps each word's span in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents ("Teléfonos" -> "telefonos")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass(frozen=True)
class WordToken:
    """One word of a text: its folded form and its character span in the original text."""

    text: str
    start: int
    end: int


def word_tokens(text: str) -> list[WordToken]:
    """The words (letters and digits) of `text`, folded, with their spans."""
    return [WordToken(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def words_of(text: str) -> tuple[str, ...]:
    """The folded words of `text`, in order."""
    return tuple(token.text for token in word_tokens(text))


def _same_word(text_word: str, keyword_word: str) -> bool:
    if text_word == keyword_word:
        return True
    # Only the text may add a plural ending: "bicis" matches "bici"; "casco" never "cascos".
    return len(keyword_word) >= 3 and text_word in (keyword_word + "s", keyword_word + "es")


def phrase_positions(words: Sequence[str], phrase: Sequence[str]) -> list[int]:
    """Indexes in `words` where the folded word sequence `phrase` starts."""
    size = len(phrase)
    return [
        i for i in range(len(words) - size + 1)
        if all(_same_word(words[i + k], phrase[k]) for k in range(size))
    ]
