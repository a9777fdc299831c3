"""Finding the fact a buyer asked about in a product_details result.

The offline model answers only from what the listing holds: the product's attributes and the
sentences of its description. When neither mentions the topic, there is no answer and the
model asks the seller instead of inventing one.
"""

from __future__ import annotations

import re
from typing import Any

from agents.intents import fold

# Stems (folded) that mark a sentence or an attribute as being about a topic.
TOPIC_STEMS: dict[str, tuple[str, ...]] = {
    # not "entrega" alone: "se entrega con caja" is about the box, not about shipping
    "shipping": ("envi", "ship", "deliver", "correos", "mensajer", "post", "entrega en",
                 "entrego", "domicilio", "recogida", "recoger", "pick", "collect", "en mano",
                 "in person", "courier"),
    "payment": ("pago", "pagar", "bizum", "paypal", "efectivo", "cash", "transfer", "tarjeta",
                "card", "wallapay", "payment"),
    "location": ("zona", "ubica", "locat", "ciudad", "city", "barrio", "area", "address",
                 "direccion", "recogida en", "pickup in", "pick up in", "municipio", "provincia"),
    "condition": ("estado", "condition", "bateria", "battery", "raya", "scratch", "golpe", "dent",
                  "funciona", "work", "uso", "used", "usad", "nuev", "new", "desgaste", "wear",
                  "perfect", "impecable", "defect", "roto", "broken", "garantia", "warranty"),
}
INTENT_TOPICS = {
    "shipping_question": "shipping",
    "payment_question": "payment",
    "location_question": "location",
    "condition_question": "condition",
}
_STOPWORDS = frozenset(
    "esta este esto tiene tienes viene vienen puedo puedes quiero sobre para como cuando donde "
    "cual cuales that this with have does will would could what when where which there your "
    "about from they them also tambien pero algo mucho muchos hola thanks gracias the and for "
    "con las los una que por you has any are how its it's del sus mas more tal anda like hows "
    "whats".split()
)
# Spanish and English words for the facts buyers ask about most, so a question in one language
# finds a description written in the other. Keys are the first five letters of a folded word.
_SAME_FACT = {
    "bater": "battery", "batte": "battery", "raya": "scratch", "rayas": "scratch",
    "rayad": "scratch", "rayon": "scratch", "scrat": "scratch", "garan": "warranty",
    "warra": "warranty", "caja": "box", "box": "box", "boxes": "box", "carga": "charger",
    "charg": "charger", "funci": "works", "works": "works", "work": "works",
    "worki": "works", "panta": "screen", "scree": "screen", "factu": "invoice",
    "invoi": "invoice", "recei": "invoice", "golpe": "dent", "dent": "dent", "dents": "dent",
    "talla": "size", "size": "size", "medid": "size", "dimen": "size", "color": "color",
    "colou": "color",
}
# Words that name a fact, kept in a question even when the title holds them too: in
# "¿qué tal la batería?" about "iPhone 12, batería 89%", the battery is what is asked.
_FACT_NAMES = frozenset(_SAME_FACT.values())
# Sentences of a listing that state no fact (a template's closing lines): they answer nothing.
_NO_FACT = re.compile(r"tal cual se ve en las fotos|tal y como se ve|as shown in the photos|"
                      r"as seen in the photos|preguntame cualquier duda|ask me anything")
GENERAL_CONDITION = re.compile(r"estado|condici|condition|usad|used|nuev|\bnew\b|how old|"
                               r"cuantos anos|antiguedad|desgaste|wear|como esta|how is it")


def _fact_words(text: str) -> set[str]:
    words = [w for w in re.findall(r"[a-z]{3,}", fold(text)) if w not in _STOPWORDS]
    return {_SAME_FACT.get(w[:5], _SAME_FACT.get(w, w[:5])) for w in words}


def sentences(description: str) -> list[str]:
    """The description cut into sentences (lines and full stops both end one), without the
    ones that state no fact."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", description or "")
    return [part.strip() for part in parts if part.strip() and not _NO_FACT.search(fold(part))]


def _attribute_line(key: object, value: object) -> str:
    """An attribute as the buyer reads it: "battery health: 89%", not "battery_health: 89%"."""
    return f"{str(key).replace('_', ' ')}: {value}."


def topic_facts(topic: str, product: dict[str, Any]) -> list[str]:
    """Attribute lines and description sentences about the topic (empty when none)."""
    stems = TOPIC_STEMS[topic]
    facts = [
        _attribute_line(key, value)
        for key, value in (product.get("attributes") or {}).items()
        if any(stem in fold(str(key)) for stem in stems)
    ]
    facts += [s for s in sentences(str(product.get("description") or ""))
              if any(stem in fold(s) for stem in stems)]
    return facts[:3]


def question_facts(question: str, product: dict[str, Any]) -> list[str]:
    """Attribute lines and sentences that share a meaningful word with the question.

    Words that only name the product (its title, brand, model) are not a fact asked about:
    "¿Tiene la garantía de Apple?" is about the warranty, not about the brand.
    """
    attributes = product.get("attributes") or {}
    naming = " ".join([str(product.get("title") or "")] + [
        str(value) for key, value in attributes.items()
        if str(key).upper() in {"BRAND", "MODEL", "LINE"}])
    asked = _fact_words(question) - (_fact_words(naming) - _FACT_NAMES)
    if not asked:
        return []
    facts = [_attribute_line(key, value) for key, value in (product.get("attributes") or {}).items()
             if asked & _fact_words(f"{key} {value}")]
    facts += [s for s in sentences(str(product.get("description") or ""))
              if asked & _fact_words(s)]
    return facts[:3]
