"""The seller commands' patterns for the intent reader (agents/domain/intents.py): selling, editing,
pricing, publishing, pausing, versions, takeover, deleting and reviewing a listing.

They match the folded text (lower case, no accents) and hold no logic of their own.
"""

from __future__ import annotations

import re


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SELL = _rx(r"\b(?:vendo|vendemos|se vende|selling|i'?m selling|i want to sell|quiero "
           r"vender|want to sell|nuevo producto|new product|new listing|nuevo anuncio|sell my|"
           r"sell a|sell an|sell this|(?:i'?d|i would) like to sell|me gustaria vender|"
           r"(?<!you )(?<!u )(?:got|have|tengo) (?:a|an|this|my|some|un|una|unos|unas|mi|mis)\b"
           r"(?! (?:question|pregunta|doubt|duda)\b)(?: [\w'-]+){1,5} "
           r"(?:to sell|for sale|para vender|que vender)|"
           r"(?:looking|need|trying|have|going) to sell|get rid of|deshacerme de|me deshago de|"
           r"pongo a la venta|pongo en venta|(?:put|putting) (?:up )?for sale)\b")
# "Kallax shelf for sale, 50€" offers one; "any shelves for sale?" asks (a buyer's search).
SELL_WEAK = _rx(r"\b(?:for sale|en venta|a la venta)\b")
SHOW_LISTING = _rx(
    r"\b(?:ensena\w*|muestra\w*|mostrar|ver|show|see|view|let me see|display|lee\w*|read)\b"
    r".{0,30}\b(?:anuncio|listing|ad|descripcion|description|ficha|publicacion)\b"
    r"|\b(?:que|cual|what|which)\b.{0,20}\b(?:descripcion|description|titulo|title|anuncio|"
    r"listing)\b.{0,30}(?:\?|puesto|pusiste|escrito|escribiste|written|wrote|put|say|says|dice"
    r"|tiene|has|is|es)|\b(?:como|how)\b.{0,15}\b(?:queda|quedo|ha quedado|looks?|does)\b"
    r".{0,15}\b(?:anuncio|listing|ad)\b|\b(?:anuncio|listing) (?:completo|entero|full|"
    r"complete)\b")
DELETE = _rx(
    r"\b(?:borra\w*|borrar|elimina\w*|delete\w*|remove|discard\w*|descarta\w*|tira\w* "
    r"(?:el|ese|este) borrador|get rid of|scrap)\b")
REVERT = _rx(r"\b(?:version|v)\s*\.?\s*\d+|\b(?:version anterior|previous version|"
             r"last version|ultima version|undo|deshaz)\b")
REVERT_VERB = _rx(r"\b(?:vuelve|volver|vuelvo|revert\w*|restore|restaura\w*|go back|back to|"
                  r"usa|use|recupera\w*|pon|switch|anterior|previous|undo|deshaz)\b")
TAKE_OVER = _rx(
    r"\b(?:take over|taking over|tomo el control|toma(?:r)? el control|me encargo yo|yo me encargo"
    r"|(?:lo|la) llevo yo|dejame (?:a mi|hablar|contestar|responder)|i'?ll (?:handle|take|"
    r"answer|reply)(?: it| this| that| over| myself)?|let me (?:handle|talk|reply|answer)|"
    r"takeover|intervengo|paso a hablar yo|hablo yo)\b")
HAND_BACK = _rx(
    r"\b(?:hand (?:it |this |that )?back|give it back|back to (?:you|the bot)|te la devuelvo|"
    r"te lo devuelvo|devuelve\w* (?:la conversacion|el chat)|devuelvela|devuelvo|sigue tu|"
    r"continua tu|sigues tu|you take it from here|you can (?:continue|take it)|retoma\w*|"
    r"vuelve a llevar\w*|take it back|your turn|(?:devuelv|pas)\w* al bot)\b")
SHOW_CONVERSATION = _rx(r"\b(?:muestra\w*|mostrar|ensena\w*|ver|show|see|open|abre|lee|read)\b"
                        r".*\b(?:conversacion|conversation|chat|mensajes|messages)\b")
EDIT_TITLE = _rx(r"(?:^\W*(?:titulo|title)\s+[^\s?]|\b(?:titulo|title)\s*[:=]|\brename (?:it )?"
                 r"(?:to|as)\s+\S|\b(?:cambia\w*|pon\w*|change|set|update|rename|nuevo|new)\b.{0,20}\b(?:titulo|title)\b\s*(?:a|to|por|as|:)?\s*\S)")
EDIT_DESCRIPTION = _rx(r"(?:^\W*(?:descripcion|description)\s+[^\s?]|\b(?:descripcion|"
                       r"description)\s*[:=]|\b(?:cambia\w*|pon\w*|change|set|update|nueva|new|add|anade|agrega)\b.{0,25}\b(?:descripcion|"
                       r"description)\b\s*(?:a|to|por|as|:|que)\s*\S)")
REGENERATE = _rx(
    r"\b(?:regenera\w*|regenerate|otra (?:descripcion|version|propuesta|opcion|vez)|another "
    r"(?:version|one|description|option|try|draft)|try again|intentalo de nuevo|rewrite|"
    r"reescribe\w*|redo|rehaz\w*|new (?:version|description|draft)|genera\w* (?:otra|de nuevo)"
    r"|no me gusta|i don'?t like (?:it|this|the))\b")
SET_FLOOR = _rx(
    r"\b(?:(?:don'?t|do not|never|no) (?:take|accept|sell (?:it )?for|go for|let it go for)"
    r" (?:anything )?(?:less|under|below|lower)|no (?:aceptes|cojas|vendas|dejes|lo dejes|la "
    r"dejes|lo vendas|la vendas|me (?:lo|la) dejes)\w* (?:en |por )?(?:nada )?(?:menos|por "
    r"debajo)|minimo|minimum|min|floor|suelo|no bajes de|"
    r"don'?t go (?:below|under|lower than)|never "
    r"(?:go )?below|not (?:go )?below|no (?:menos|por debajo) de|precio mas bajo|lowest|"
    r"limite|nothing (?:below|under|less than)|no aceptes (?:menos|nada por debajo)|don'?t "
    r"accept (?:less|anything (?:below|under)))\b")
MARK_SOLD = _rx(r"\b(?:vendid[oa]|(?:lo|la|ya lo|ya la) vendi|se vendio|sold|mark\w* (?:it )?as "
                r"sold|marca\w* como vendid[oa])\b")
REACTIVATE = _rx(
    r"\b(?:reactiva\w*|reactivate|activa\w* de nuevo|vuelve a (?:activar|publicar)\w*|unpause|"
    r"resume|re-?list|despausa\w*|(?:make it|put it) (?:live|active|back) (?:again|up)|ponlo "
    r"(?:de nuevo|otra vez) (?:a la venta|activo)|vuelve a poner\w* (?:a la venta|en venta|"
    r"activo))\b")
PAUSE = _rx(r"\b(?:pausa\w*|pause\w*|oculta\w*|hide|desactiva\w*|deactivate|quita\w* de la venta|"
            r"take (?:it )?(?:down|offline)|unlist|retira\w*|quita\w* (?:el |mi )?anuncio)\b")
PUBLISH = _rx(r"\b(?:publica\w*|publish\w*|post it|list it|put it (?:up|online|live|on sale|"
              r"up for sale)|make it live|go live|pon(?:lo|la) a la venta|pon(?:lo|la) en venta|"
              r"sacal[oa] a la venta|subel[oa])\b")
LIST_PRODUCTS = _rx(
    r"\b(?:mis (?:productos|anuncios|articulos|cosas|ventas)|(?:que|cuales) (?:productos|"
    r"anuncios|cosas) tengo|my (?:products|listings|items|ads|"
    r"stuff)|que (?:tengo|vendo) (?:a la venta|en venta|publicado)|what (?:am i|i'?m) selling|"
    r"list (?:my )?(?:products|listings|items)|listado|inventario|inventory|"
    r"show (?:me )?(?:all )?my)\b")
SET_CONDITION = _rx(
    r"\b(?:estado|condicion|condition)\s*[:=]?\s*(?:es\s+|is\s+|a\s+|to\s+)?(?:nuev[oa]|"
    r"usad[oa]|new|used|como nuev[oa]|like new|a estrenar)\b|\b(?:es|esta|it'?s|is|mark (?:it "
    r")?as|ponlo como|ponla como|marcalo como|set (?:it )?(?:as|to)|cambia\w* a)\s+(?:nuev[oa]|"
    r"usad[oa]|new|brand new|used|como nuev[oa]|like new|a estrenar|precintad[oa]|sealed)\b")
SET_PRICE = _rx(r"\b(?:precio|price|cuesta|ponlo|ponla|ponle|bajalo|bajala|baja\w*|sube\w*|"
                r"rebaja\w*|cambia\w*|change|make it|set|now|ahora|reduce|lower|raise|drop|"
                r"que sea|deja(?:lo|la))\b")

CHANGE_PRICE = _rx(r"\b(?:cambia\w*|change|set|update|modifica\w*|pon\w*|new|nuevo)\b.{0,15}"
                   r"\b(?:precio|price)\b")
