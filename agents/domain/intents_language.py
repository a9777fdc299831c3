"""The language of a chat message, Spanish or English, from marker words.

Part of the intent reader (agents/domain/intents.py); pure rules, no framework import.
"""

from __future__ import annotations

import re

from agents.domain.intents_amounts import fold

ES_WORDS = frozenset(
    "hola buenas buenos dias tardes sigue disponible precio cuanto cuanta cuantos te doy lo la el "
    "los las es esta estas estado envio envias enviar pago pagar puedo puedes quedamos manana "
    "gracias vale acepto trato hecho busco tienes teneis vendo cambia minimo bajes titulo "
    "descripcion publicalo publica mis productos pausa vendido regenera otra vuelve ayuda donde "
    "recojo hoy y con de que por para muy bien si un una mi se usado nuevo nueva bici talla estoy "
    "interesa dejarias dejas oferta efectivo tarde noche del al como pero mas ya todavia aun tengo "
    "quiero hay algo mucho cuesta pesos mandar zona ciudad eres rebaja descuento ultimo mejor "
    "dejo compro quedo nos vemos en sin caja cargador factura garantia funciona bateria rayas "
    "golpes hasta menos entonces venga perfecto claro genial bueno poco uso nada pon ponlo ponle "
    "sube baja anuncio fotos foto sabado domingo lunes viernes semana mediodia dale pavos eso esto "
    "tu vendes aceptas marca marcalo quiero necesito lista cosas ventas vendi ocultalo reactiva "
    "reactivalo anterior encargo devuelvo sigo vuelvo le les porfa favor tal".split()
)
EN_WORDS = frozenset(
    "hi hello hey is it still available price how much the you i would take offer deal thanks "
    "thank can we meet at do does have has selling sell my set floor minimum title description "
    "publish listings listing pause sold another revert help where shipping ship pay paypal cash "
    "condition what with and for your this that are any looking want need please pls yes yeah "
    "give best lowest tomorrow today tonight pick up send deliver delivery work works scratches "
    "battery box charger new used of to in on be will ill im its there here good great cool sure "
    "about too low expensive interested not pass never mind cheaper discount negotiable last "
    "morning afternoon evening station mark change update show back handle over hand let an or "
    "if but so just only week saturday sunday monday friday noon bucks dollars go them me "
    "products items stuff selling sale which reactivate regenerate revert unpause restore "
    "cheers mate u rename".split()
)


def detect_language(text: str, hint: str | None = None) -> str:
    """'es' or 'en' from marker words; the hint (the speaker's setting) breaks ties."""
    folded = fold(text)
    words = re.findall(r"[a-z']+", folded)
    spanish = sum(word in ES_WORDS for word in words)
    english = sum(word in EN_WORDS for word in words)
    if re.search(r"[¿¡ñáéíóú]", text.lower()):
        spanish += 2
    if re.search(r"[a-z](?:'s|n't|'ll|'m|'re|'ve|'d)\b", folded):
        english += 1
    if spanish != english:
        return "es" if spanish > english else "en"
    return hint if hint in ("es", "en") else "es"


def reply_language(text: str | None, setting: str) -> str:
    """The language to answer a buyer in: the one they wrote in, buttons too (a Spanish phone
    writing English gets "Accept 335 €"); their setting breaks ties and answers a command,
    which says nothing of it ("/start pQ9go…": a random payload may spell "go")."""
    if not text or text.startswith("/"):
        return setting
    return detect_language(text, setting)
