"""Which of a seller's products a message names: words of the title, brand and model, compared
with case and accents folded ("el sofa" names "Sofá cama", "la TREK" the "Bicicleta Trek").

Pure rules with no framework import. The seller tools use them so that a product named in a
command wins over the one in focus, and two equally good matches make the bot ask which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.domain.word_matching import fold

_WORD = re.compile(r"[^\W_]+")
# Words of seller commands and function words: they never name a product ("pause it please",
# "set the lowest price for the kallax to 50" names only "kallax").
COMMAND_WORDS = frozenset(fold(
    "pause pausa pausar pausalo pausala pon ponlo ponla ponle poner quita quitalo quitala "
    "reactivate reactiva reactivar reactivalo activa activalo vuelve volver vuelvo publish "
    "publica publicalo publicala publicar sube subelo subela regenerate regenera regenerar otra "
    "otro version another mark marca marcar marcalo marcala sold vendido vendida como as the el "
    "la los las my mi mis it lo please por favor now ahora again vez de del en on catalog "
    "catalogo mercadolibre listing listings anuncio anuncios producto productos product products "
    "item items this este esta esto that ese esa eso for para and y put back up can you puedes "
    "podrias could would descripcion description titulo title texto text foto photo fotos photos "
    "precio price prices precios nueva nuevo new write escribe escribeme haz make una uno one "
    "set change cambia cambiar cambialo cambiala update actualiza modifica drop baja bajalo "
    "bajala bajar sube raise lower reduce rebaja rebajalo minimo minima minimum min floor suelo "
    "lowest highest limite limit dont don't take accept acepta aceptes aceptar less than more "
    "menos mas que nothing nada below under debajo above over never nunca not no delete borra "
    "borralo borrala borrar elimina eliminalo eliminala eliminar remove discard descarta "
    "descartalo draft borrador show ensena ensename muestra muestrame see ver full complete "
    "completo entero whole want quiero quieres would like gustaria go down is es son are be sea "
    "now ya just solo only also tambien to a al with con sin without at por euros euro eur pounds "
    "quid dollars dolares pesos thanks gracias ok vale hey hola so pues bueno well then entonces "
    "its it's his her su sus your tu tus our nuestro what which cual que how como much cuanto "
    "use usa keep deja dejalo dejala leave sell vender vendo selling sale venta "
    "condition estado used usado usada nuevo nueva like revert restore restaura recupera undo "
    "deshaz switch previous anterior first second third primera segunda tercera versions "
    "versiones back go vuelta").split())


@dataclass(frozen=True)
class Candidate:
    """A product as the matcher sees it: its id, title and stored attributes."""

    id: object
    title: str
    attributes: Mapping[str, object] | None = None
    active: bool = True  # on sale or being prepared (not sold, not paused)


def naming_words(text: str) -> list[str]:
    """The folded words of `text` that may name a product (no command words, no bare numbers)."""
    words = [fold(m.group()) for m in _WORD.finditer(text or "")]
    return [w for w in words if w not in COMMAND_WORDS and not w.isdigit()
            and (len(w) >= 3 or any(ch.isdigit() for ch in w))]


def _product_words(candidate: Candidate) -> set[str]:
    words = {fold(m.group()) for m in _WORD.finditer(candidate.title or "")}
    for key in ("BRAND", "MODEL"):
        value = (candidate.attributes or {}).get(key)
        if value:
            words |= {fold(m.group()) for m in _WORD.finditer(str(value))}
    return {w for w in words if w not in COMMAND_WORDS and (len(w) >= 3 or not w.isalpha())}


# Clipped words people write for the whole one ("la bici", "the telly" aside): a short form
# names a product word only from this list, or when it is long and the rest of the word is too
# ("frigo" for "frigorífico"); a plain word that starts another never does ("cama" is not
# "cámara", "coche" not "cochecito").
SHORT_FORMS = {
    "bici": ("bicicleta", "bicicletas"), "tele": ("television", "televisor", "televisores"),
    "moto": ("motocicleta",), "micro": ("microondas",), "boli": ("boligrafo",),
    "peli": ("pelicula",), "compu": ("computadora",), "play": ("playstation",),
    "mic": ("microphone", "microfono"), "frigo": ("frigorifico",),
}
_LONG_FORM, _LONG_REST = 5, 5


def names(word: str, product_word: str) -> int:
    """2 when the word is the product's word (or its plural), 1 when it is a short form of it
    ("bici" for "bicicleta", "tele" for "television"), else 0. Whole words only: never a
    substring or a prefix that is a word of its own."""
    forms = {word} | {word[: -len(end)] for end in ("s", "es") if word.endswith(end)}
    if word.endswith(("ves", "ies")) and len(word) > 4:  # "shelves" -> "shelf", "batteries"
        forms.add(word[:-3] + ("f" if word.endswith("ves") else "y"))
    if product_word in forms or any(product_word.rstrip("s") == f for f in forms if len(f) >= 4):
        return 2
    return int(any(product_word in SHORT_FORMS.get(form, ()) or (
        len(form) >= _LONG_FORM and len(product_word) - len(form) >= _LONG_REST
        and product_word.startswith(form)) for form in forms))


def score(words: Sequence[str], candidate: Candidate) -> int:
    """How well the message's naming words name the product (whole words count double)."""
    product_words = _product_words(candidate)
    return sum(max((names(word, p) for p in product_words), default=0) for word in set(words))


def best_matches(text: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The products `text` names best: none when it names none, several when they tie.

    Among equally good matches, products still on sale or being prepared beat sold and paused
    ones (a seller editing "the kallax" means the one they are selling).
    """
    words = naming_words(text)
    if not words:
        return []
    scored = [(score(words, c), c) for c in candidates]
    top = max((s for s, _ in scored), default=0)
    if top == 0:
        return []
    best = [c for s, c in scored if s == top]
    active = [c for c in best if c.active]
    return active or best
