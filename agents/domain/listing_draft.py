"""The rule-based reader of a seller's sentence ("Vendo bici Trek, 350€"), and its description.

The offline model provider uses it to turn a sentence into a product draft: language, title,
price and currency, condition and the attributes it can recognise (brand, model, size, colour,
storage, RAM, year). It only reads what the seller wrote: a sentence without a price gives no
price (agents/domain/listing_description.py states those facts and nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from agents.domain.categories import BrandMention, CategoryTree
from agents.domain.price_reading import PAST_PRICE_WORDS, UNIT_WORDS, read_price
from agents.domain.word_matching import WordToken, fold, phrase_positions, word_tokens

Condition = Literal["new", "used", "not_specified"]
TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 10, 60
DESCRIPTION_MIN_LENGTH = 50

_CONDITION_PHRASES: tuple[tuple[str, Condition | None], ...] = tuple(
    (phrase, kind) for kind, phrases in (
        ("new", "nuevo|nueva|nuevos|nuevas|a estrenar|sin estrenar|sin usar|nunca usado|"
                "nunca usada|precintado|precintada|sellado|sellada|en caja cerrada|"
                "caja sin abrir|new|brand new|sealed|unused|never used|unopened|new in box"),
        ("used", "usado|usada|usados|usadas|poco uso|como nuevo|como nueva|casi nuevo|"
                 "casi nueva|seminuevo|seminueva|semi nuevo|semi nueva|buen estado|"
                 "muy buen estado|excelente estado|perfecto estado|en perfecto estado|"
                 "segunda mano|de segunda mano|reacondicionado|used|like new|good condition|"
                 "great condition|excellent condition|mint condition|perfect condition|"
                 "lightly used|barely used|gently used|second hand|pre owned|preowned|"
                 "refurbished"),
        # Names that contain a condition word but say nothing about the condition.
        (None, "new balance|new era|new york|new zealand|nuevo leon"),
    ) for phrase in phrases.split("|")
)
_COLOURS = frozenset(
    "negro negra blanco blanca gris rojo roja azul verde amarillo amarilla rosa morado morada "
    "violeta naranja marron beige plateado plateada dorado dorada granate turquesa celeste black "
    "white grey gray red blue green yellow pink purple orange brown silver gold navy".split()
)
_SIZE = re.compile(
    r"\b(?:talla|talle|size|n[uú]mero|n[º°])\s*:?\s*(?P<size>XXXL|XXL|XXS|XL|XS|S|M|L|"
    r"\d{1,2}(?:[.,]5)?)(?!\w)",
    re.IGNORECASE,
)
_MEMORY = re.compile(
    r"(?<![\w.])(?P<n>\d{1,4})\s?(?P<unit>GB|TB)(?!\w)(?P<ram>\s*(?:de\s+)?RAM\b)?", re.IGNORECASE
)
_YEAR = re.compile(r"(?<![\w€$])(?<!\d[.,])(?:19[5-9]\d|20[0-3]\d)(?!\w|[.,]\d)")
# "8kg", "45mm", "1000W": measures, never part of a model name.
_MEASURE = re.compile(r"\d+(?:[.,]\d+)?(?:kg|g|mm|cm|m|w|kw|l|ml|gb|tb|mah|km|hz|mp|cc)", re.I)
_SEGMENT_BREAK = re.compile(r"(?<!\d),|,(?!\d)|[;!?¡¿()\n]|\.(?=\s|$)|\s[-–—]\s")
_LEAD_WORDS = frozenset(
    "vendo vende se vendemos venta pongo a la el los las en quiero vender selling sell sale for "
    "im i m am my mi mis un una unos unas an the this these este esta estos estas hola hi hello "
    "hey buenas tardes dias noches tengo have we re are is it its s lo le".split()
)
_TRAIL_WORDS = frozenset(
    "de del con y e o en por para a and with for in of or the muy very".split()
)
# "Desk lamp for sale", "Mesa en venta": the seller's selling words, never part of a title.
_SALE_TAIL = frozenset({"for sale", "up for sale", "en venta", "a la venta", "se vende",
                        "se venden", "to sell"})
_MODEL_SUFFIXES = frozenset("pro max plus mini air ultra lite se fe neo slim digital".split())
_LANGUAGE_MARKERS = {
    "es": frozenset(
        "vendo vende venta de del con sin para por muy poco uso nuevo nueva usado usada estado "
        "talla talle el la los las un una mi mis y en precio buen perfecto como casi caja".split()
    ),
    "en": frozenset(
        "selling sell sale my the with without for like new used condition size and in good "
        "great brand barely only price box mint excellent it is".split()
    ),
}


@dataclass(frozen=True)
class ProductDraft:
    """What a seller's sentence says about the product; nothing in it is guessed."""

    text: str
    language: str  # "es" | "en"
    title: str
    price: Decimal | None
    currency: str
    condition: Condition
    attributes: dict[str, str] = field(default_factory=dict)
    price_source: Literal["given"] | None = None
    condition_note: str | None = None  # the seller's own words: "poco uso", "like new"
    details: tuple[str, ...] = ()  # other statements of the sentence: "con caja y cargador"


def read_product_sentence(
    text: str, language_hint: str | None = None, *, tree: CategoryTree | None = None
) -> ProductDraft:
    """Read a seller's sentence. The hint decides the language only when the text does not."""
    tree = tree or CategoryTree.load()
    language = detect_language(text, language_hint)
    price_spans, price, currency = read_price(text)
    condition_spans, condition, note = _read_condition(text)
    attributes, attribute_spans = _read_attributes(text, tree, excluded=price_spans)
    cut = text
    for start, end in sorted(price_spans + condition_spans, reverse=True):
        cut = cut[:start] + "," + " " * (end - start - 1) + cut[end:]  # keeps later spans valid
    title, details = _title_and_details(cut, attribute_spans, language)
    title = _brand_casing(title, attributes)
    if len(title) < TITLE_MIN_LENGTH:
        title = _lengthened(title, details, tree.match(text).name(language), language)
    return ProductDraft(
        text=text, language=language, title=title, price=price,
        currency=currency, condition=condition, attributes=attributes,
        price_source="given" if price is not None else None, condition_note=note,
        details=tuple(details),
    )


def detect_language(text: str, hint: str | None = None) -> str:
    words = [token.text for token in word_tokens(text)]
    es, en = (sum(word in _LANGUAGE_MARKERS[lang] for word in words) for lang in ("es", "en"))
    if es != en:
        return "es" if es > en else "en"
    return hint if hint in ("es", "en") else "es"


def _read_condition(text: str) -> tuple[list[tuple[int, int]], Condition, str | None]:
    tokens = word_tokens(text)
    words = [token.text for token in tokens]
    taken: set[int] = set()
    found: list[tuple[int, int, Condition | None]] = []
    for phrase, kind in sorted(_CONDITION_PHRASES, key=lambda p: -len(p[0].split())):
        size = len(phrase.split())
        for pos in phrase_positions(words, phrase.split()):
            if taken & set(range(pos, pos + size)):
                continue
            taken |= set(range(pos, pos + size))
            found.append((tokens[pos].start, tokens[pos + size - 1].end, kind))
    spans = sorted((start, end) for start, end, kind in found if kind is not None)
    # A used cue wins over a new one: "nuevo en caja, usado una vez" is used.
    for kind in ("used", "new"):
        hits = sorted((start, end) for start, end, k in found if k == kind)
        if hits:
            return spans, kind, text[hits[0][0]:hits[0][1]]
    return spans, "not_specified", None


def _read_attributes(
    text: str, tree: CategoryTree, excluded: list[tuple[int, int]]
) -> tuple[dict[str, str], list[tuple[int, int]]]:
    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in excluded)

    attributes: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    mentions = tree.brand_mentions(text)
    if mentions:
        attributes["BRAND"] = mentions[0].brand
        model = _read_model(text, mentions[0], tree, free)
        if model:
            attributes["MODEL"] = model
    for m in _MEMORY.finditer(text):
        key = "RAM" if m.group("ram") else "STORAGE"
        attributes.setdefault(key, f"{m.group('n')}{m.group('unit').upper()}")
        spans.append(m.span())
    if (size := _SIZE.search(text)) is not None:
        attributes["SIZE"] = size.group("size").upper()
        spans.append(size.span())
    for token in word_tokens(text):
        if token.text in _COLOURS:
            attributes.setdefault("COLOR", text[token.start:token.end].capitalize())
            spans.append((token.start, token.end))
    for m in _YEAR.finditer(text):
        following = [t.text for t in word_tokens(text[m.end():m.end() + 8])][:1]
        if free(*m.span()) and not (following and following[0] in UNIT_WORDS | {"cc", "w"}):
            attributes.setdefault("YEAR", m.group())
            spans.append(m.span())
    return attributes, spans


def _read_model(text: str, mention: BrandMention, tree: CategoryTree,
                free: Callable[[int, int], bool]) -> str | None:
    """The model words after the brand ("Trek Marlin 5"); never the price ("Orbea 120€")."""
    parts = [] if mention.trigger == mention.brand else [mention.trigger]
    other_brands = {m.start: m for m in tree.brand_mentions(text) if m.brand != mention.brand}
    following = [t for t in word_tokens(text) if t.start >= mention.end]
    end = mention.end
    for index, token in enumerate(following):
        if text[end:token.start].strip(" -") or token.start in other_brands or len(parts) >= 5 \
                or not free(token.start, token.end):
            break
        written = text[token.start:token.end]
        has_digit = any(ch.isdigit() for ch in written)
        next_word = following[index + 1].text if index + 1 < len(following) else ""
        next_has_digit = any(ch.isdigit() for ch in next_word)
        if written.isdigit() and next_word in UNIT_WORDS:
            break  # "55 inch", "3 plazas": a measure, not a model number
        stop = (token.text in (_TRAIL_WORDS | _LEAD_WORDS | _COLOURS) - _MODEL_SUFFIXES
                or _MEASURE.fullmatch(written) or _YEAR.fullmatch(written)
                or any(token.text == phrase for phrase, _ in _CONDITION_PHRASES)
                or token.text in ("talla", "talle", "size", "numero"))
        if stop or not (has_digit or written[0].isupper() or token.text in _MODEL_SUFFIXES
                        or (written.isalpha() and next_has_digit)):
            break
        parts.append(written.capitalize() if written.isalpha() and written.islower() else written)
        end = token.end
    return " ".join(parts) or None


def _title_and_details(
    cut: str, attribute_spans: list[tuple[int, int]], language: str
) -> tuple[str, list[str]]:
    base: str | None = None
    extras: list[str] = []
    details: list[str] = []
    position = 0
    for piece in _SEGMENT_BREAK.split(cut):
        offset = cut.index(piece, position)
        position = offset + len(piece)
        tokens = word_tokens(piece)
        while tokens and tokens[0].text in _LEAD_WORDS:
            tokens.pop(0)
        if not tokens or all(t.text in PAST_PRICE_WORDS for t in tokens):
            continue
        segment = piece[tokens[0].start:].strip(" .,:;-–—")
        covered = all(
            any(s <= offset + t.start and offset + t.end <= e for s, e in attribute_spans)
            or t.text in _TRAIL_WORDS for t in tokens
        )
        if covered and base is not None:
            extras.append(segment)
        elif base is None and not covered:
            while len(tokens) > 1 and (cut_words := 1 if tokens[-1].text in _TRAIL_WORDS
                                       else _sale_words_at_end(tokens)):
                del tokens[-cut_words:]
            base = piece[tokens[0].start:tokens[-1].end]
        elif base is None:
            extras.append(segment)  # attributes before the item: keep them for the title
        else:
            details.append(segment)
    title = base or ""
    for extra in extras:
        if len(f"{title} {extra}".strip()) <= TITLE_MAX_LENGTH:
            title = f"{title} {extra}".strip()
    return _finish_title(title, language), details


def _lengthened(title: str, details: list[str], category: str, language: str) -> str:
    """A title under the minimum ("Desk lamp"), lengthened with the seller's other words
    ("Kettle, comes with the box"), else with its category ("Desk lamp - Lighting"); the
    selling words are only the last resort."""
    for longer in (*(f"{title}, {d}" for d in details), f"{title} - {category}"):
        if TITLE_MIN_LENGTH <= len(longer) <= TITLE_MAX_LENGTH:
            return longer
    return f"{title} {'for sale' if language == 'en' else 'en venta'}"


# A word whose casing is its name: "iPhone", "MacBook", "LEGO", "128GB" (not "Camera"); the
# model words ("Air", "Pro", "Mini") are capitalised too.
_NAME_CASED = re.compile(r"\w*[a-z][A-Z]\w*|[A-Z0-9]*[A-Z][A-Z0-9]+")


def _brand_casing(title: str, attributes: dict[str, str]) -> str:
    """The title with the brand's and model's own casing: "iphone 12 128gb" is "iPhone 12
    128GB"."""
    for key in ("BRAND", "MODEL", "STORAGE", "RAM"):
        for word in str(attributes.get(key, "")).split():
            if _NAME_CASED.fullmatch(word) or word.lower() in _MODEL_SUFFIXES:
                title = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", word, title)
    return title


def _sale_words_at_end(tokens: list[WordToken]) -> int:
    """How many of the last words are selling words ("up for sale", "en venta"), if any."""
    for size in (3, 2):
        if len(tokens) > size and " ".join(t.text for t in tokens[-size:]) in _SALE_TAIL:
            return size
    return 0


def _finish_title(title: str, language: str) -> str:
    title = " ".join(title.split())
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH + 1].rsplit(" ", 1)[0]
        words = title.split()
        while len(words) > 1 and fold(words[-1]) in _TRAIL_WORDS:
            words.pop()
        title = " ".join(words)[:TITLE_MAX_LENGTH]
    if not title:
        return "Item for sale" if language == "en" else "Artículo en venta"
    first = title.split()[0]
    if first.islower():
        title = title[0].upper() + title[1:]
    return title  # a short one is lengthened from what else the seller wrote, not "for sale"
