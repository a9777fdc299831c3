"""The rule-based listing description: the facts of a seller's sentence as prose, in Spanish or
English ("Bici Trek Marlin 5, de segunda mano, poco uso. Con luces y candado.").

It states only what the sentence said (agents/domain/listing_draft.py reads it): no price (it has
its
own field and may change), no category (shown beside the description), no invented claim.
"""

from __future__ import annotations

from typing import Protocol

from agents.domain.listing_draft import DESCRIPTION_MIN_LENGTH, ProductDraft
from agents.domain.price_reading import PAST_PRICE_WORDS, UNIT_WORDS
from agents.domain.word_matching import fold, words_of


class NamedCategory(Protocol):
    name_es: str
    name_en: str


def compose_description(
    draft: ProductDraft, category: NamedCategory | None, language: str | None = None, *,
    variant: int = 0, photos: bool = True, closing: str = "",
) -> str:
    """A description in prose of the stated facts only (at least 50 characters), in `language`.

    The category is not repeated here (the listing shows it in its own field); `variant`
    changes the opening, so versions read differently; with no `photos` it does not point to
    them; `closing` (the version's last line) comes before any filler, so none repeats it.
    """
    en = (language or draft.language) == "en"
    openings = _OPENINGS["en" if en else "es"]
    opening = openings[variant % len(openings)]
    title = draft.title if opening.startswith("{") else _inner(draft)
    sentences = [opening.format(title=title) + _condition_phrase(draft, en) + "."]
    labels = _ATTRIBUTE_LABELS["en" if en else "es"]
    title_words = set(words_of(draft.title))
    facts = [f"{labels[key]} {value}" for key, value in draft.attributes.items()
             if key in labels and not set(words_of(str(value))) <= title_words]
    if facts:
        sentences.append(_sentence(_listed(facts, en)))
    sentences.extend(_sentence(detail) for detail in draft.details if _says_something(detail))
    if photos:
        sentences.append(
            "Sold as shown in the photos." if en else "Se entrega tal cual se ve en las fotos."
        )
    if closing.strip():
        sentences.append(closing.strip())
    for filler in _FILLERS["en" if en else "es"]:  # a short one says how to go on
        if len(" ".join(sentences)) >= DESCRIPTION_MIN_LENGTH:
            break
        sentences.append(filler)
    return " ".join(sentences)


_FILLERS = {"es": ("Pregúntame cualquier duda.", "Escríbeme si te interesa."),
            "en": ("Ask me anything about it.", "Message me if you are interested.")}


_OPENINGS = {
    "es": ["{title}", "Vendo {title}", "Se vende {title}"],
    "en": ["{title}", "Selling {title}", "On sale: {title}"],
}


def _inner(draft: ProductDraft) -> str:
    """The title inside a sentence: "Vendo bici Trek", but "Vendo Canon EOS" and "iPhone"."""
    first = draft.title.split()[0] if draft.title else ""
    brand = fold(str(draft.attributes.get("BRAND", "")))
    if first[1:].islower() and first.isalpha() and fold(first) != brand:
        return draft.title[:1].lower() + draft.title[1:]
    return draft.title


def _condition_phrase(draft: ProductDraft, en: bool) -> str:
    if draft.condition == "not_specified":
        return ""
    plain = {"new": ("brand new", "a estrenar"), "used": ("used", "de segunda mano")}
    state = plain[draft.condition][0 if en else 1]
    note = (draft.condition_note or "").lower()
    if note and fold(note) not in fold(state) and draft.language == ("en" if en else "es"):
        state = f"{state}, {note}"  # the seller's words, in the seller's language only
    return f", {state}"


def _listed(items: list[str], en: bool) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {'and' if en else 'y'} {items[-1]}"


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;:-")
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _says_something(detail: str) -> bool:
    """A leftover of the sentence worth a sentence of its own: "con caja y cargador", not
    "350 eur0s" (a price the reader did not take) or a lone unit."""
    words = [w for w in words_of(detail) if w.isalpha() and len(w) >= 3]
    return any(w not in UNIT_WORDS and w not in PAST_PRICE_WORDS and w not in _CURRENCY_WORDS
               for w in words)


_CURRENCY_WORDS = frozenset("euro euros eur pavos pounds pound quid libras dollars dolares "
                            "pesos bucks ono obo negociable negotiable".split())


_ATTRIBUTE_LABELS = {
    "es": {"BRAND": "marca", "MODEL": "modelo", "SIZE": "talla", "COLOR": "color",
           "STORAGE": "capacidad", "RAM": "memoria RAM", "YEAR": "año"},
    "en": {"BRAND": "brand", "MODEL": "model", "SIZE": "size", "COLOR": "colour",
           "STORAGE": "storage", "RAM": "RAM", "YEAR": "year"},
}
