"""Scam signals in a buyer's message, from the marketplace-scam playbook, and what they cost.

Graded from the seller's side of the risk: a strong signal (card numbers and codes, identity
documents, advance-payment or courier scams, phishing links) closes the chat; a soft one (a
phone number, PayPal friends and family, a plain link) is warned about and the chat goes on,
until soft ones repeat (`fraud_verdict`). After a reservation or a sale, arranging contact is
normal and goes to the seller. Each signal also lowers the buyer's trust score. The bot never
follows a scammer off the platform: it answers with safe_decline_text, which keeps payment and
contact inside the platform. Spanish and English; accents and case do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class FraudKind(StrEnum):
    # strong: one is enough to close the chat
    ADVANCE_PAYMENT = "advance_payment"
    CARD_DETAILS = "card_details"
    ASKS_IDENTITY_DOCUMENT = "asks_identity_document"
    COURIER_PICKUP = "courier_pickup"
    PHISHING_LINK = "phishing_link"
    # soft: a warning, and the chat goes on
    OFF_PLATFORM_PAYMENT = "off_platform_payment"
    EXTERNAL_LINK = "external_link"
    ASKS_PHONE = "asks_phone"
    ASKS_BANK_DETAILS = "asks_bank_details"
    OVERSEAS_URGENCY = "overseas_urgency"


STRONG_KINDS = frozenset({FraudKind.ADVANCE_PAYMENT, FraudKind.CARD_DETAILS,
                          FraudKind.ASKS_IDENTITY_DOCUMENT, FraudKind.COURIER_PICKUP,
                          FraudKind.PHISHING_LINK})
# Asking for a phone or WhatsApp is how a buyer who has a deal arranges the hand-over.
CONTACT_KINDS = frozenset({FraudKind.ASKS_PHONE})


@dataclass(frozen=True)
class FraudSignal:
    kind: FraudKind
    matched: str  # the words of the message that raised it, as the buyer wrote them


def _fold(text: str) -> str:
    """Lowercase without accents, one character per character so match offsets stay valid."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[0].lower()
        folded.append(base if len(base) == 1 else char)
    return "".join(folded)


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# Within one sentence: a gap that does not cross . ! ? or a line break.
_GAP = r"[^.!?\n]{0,40}"
_ID_DOCUMENT = (
    r"dni|nie|pasaporte|passport|documento (?:de identidad|nacional)|carne?t? de identidad|"
    r"cedula|id card|identity (?:card|document)|driver'?s licen[cs]e|driving licen[cs]e|"
    r"carne?t? de conducir|permiso de conducir"
)
_PAY_WORDS = (
    r"pay|payment|paying|pagar|pago|paga|pagas|pagame|pagarte|te pago|transfer|transferencia|"
    r"deposit|deposito|ingreso|senal|adelanto"
)

# "número de tarjeta / de cuenta / de seguimiento" is another number (or another signal).
_NOT_A_PHONE_NUMBER = (
    r"(?! (?:de|del) (?:la |tu |su |el )?(?:tarjeta|cuenta|pedido|seguimiento|serie|referencia|"
    r"envio))"
)
# "card number", "tracking number": another number (or another signal), in English word order.
_OTHER_NUMBER_BEFORE = "".join(f"(?<!{word} )" for word in (
    "card", "account", "tracking", "order", "serial", "reference", "routing", "booking"))
_ADVANCE = r"por adelantado|adelantado|anticipado|in advance|upfront|up front|beforehand"

_PATTERNS: dict[FraudKind, re.Pattern[str]] = {
    FraudKind.ADVANCE_PAYMENT: _any(
        r"\bwestern\s*union\b",
        r"\bmoney\s*gram\b",
        rf"\bbizum\b{_GAP}\b(?:{_ADVANCE}|antes|primero)\b",
        rf"\b(?:{_ADVANCE})\b{_GAP}\bbizum\b",
        # The buyer paying ahead (the fake-transfer set-up) or asking the seller to pay ahead;
        # a buyer asking "¿tengo que pagar por adelantado?" is neither.
        rf"\b(?:te pago|te lo pago|te hago (?:un |una )?(?:bizum|transferencia|ingreso)|"
        r"te transfiero|te (?:envio|mando) el dinero|i'?ll pay you|i will pay you|i can pay you|"
        rf"i'?ll send (?:you )?(?:the )?money)\b{_GAP}\b(?:{_ADVANCE}|first)\b",
        r"\b(?:tienes que pagar|debes pagar|pagame|you (?:need|have) to pay|you must pay|"
        rf"pay me)\b{_GAP}\b(?:{_ADVANCE}|una senal|a deposit|the deposit|insurance|seguro)\b",
        r"\b(?:gift ?cards?|tarjetas? (?:de )?regalo|itunes cards?|steam cards?)\b",
        r"\b(?:bitcoins?|btc|usdt|crypto|cripto(?:monedas?)?|ethereum)\b",
        r"\b(?:cashier'?s check|certified check|cheque bancario|te (?:mando|envio) un cheque)\b",
    ),
    FraudKind.OFF_PLATFORM_PAYMENT: _any(
        rf"\bpay\s*pal\b{_GAP}\b(?:amigos?|friends?|family|familia|f\s*&\s*f|ff)\b",
        rf"\b(?:{_PAY_WORDS}|send|sending|envio|envia|enviame)\b{_GAP}"
        r"\b(?:amigos? y familia(?:res)?|friends\s*(?:and|&)\s*family)\b",
        rf"\b(?:{_PAY_WORDS})\b{_GAP}\b(?:fuera de (?:la )?(?:plataforma|app|aplicacion|web|"
        r"pagina)|outside (?:of )?(?:the )?(?:platform|app|site|website|marketplace))\b",
        r"\b(?:pay|pagar|pago|paga)\b (?:outside|por fuera)\b",
    ),
    FraudKind.ASKS_IDENTITY_DOCUMENT: _any(
        rf"\b(?:tu|su|vuestro|your|ur)\s+(?:{_ID_DOCUMENT}|id)\b",
        rf"\b(?:fotos?|copia|imagen|scan|escaneo|photo|picture|copy|pic|selfie)\s+"
        rf"(?:de|del|of|with|con)\s+(?:(?:tu|su|el|la|your|the|un|una|a)\s+)?"
        rf"(?:{_ID_DOCUMENT}|id)\b",
        rf"\b(?:enviame|envia|mandame|manda|pasame|necesito|ensename|send(?: me)?|need|"
        rf"show(?: me)?)\b{_GAP}\b(?:{_ID_DOCUMENT})\b",
    ),
    FraudKind.ASKS_PHONE: _any(
        rf"\b(?:tu|su|your|ur)\s+(?:numero|telefono|tlf|tel|movil|celular|cel|whatsapp|whats|"
        r"wasap|guasap|wsp|phone(?: number)?|number|cell ?phone|cell|mobile(?: number)?|"
        rf"email|e-mail|correo)\b{_NOT_A_PHONE_NUMBER}",
        r"\b(?:whatsapp|whats app|wasap|guasap|wsp)\b",
        r"\b(?:llamame|call me|text me|escribeme al|my number is|mi numero es|"
        r"mi (?:telefono|movil) es|agregame|add me on)\b",
        rf"\b(?:pasame|dame|give me|send me|share)\b{_GAP}\b(?:numero|telefono|movil|"
        rf"{_OTHER_NUMBER_BEFORE}number|phone)\b{_NOT_A_PHONE_NUMBER}",
        # A phone number itself: 9 to 12 digits, maybe grouped by spaces or dashes.
        r"(?<![\d.,])(?:\+\d{1,3}[\s-]?)?(?:\d[\s-]?){8,11}\d(?![\d.,])",
    ),
    FraudKind.ASKS_BANK_DETAILS: _any(
        r"\biban\b",
        r"\b(?:swift code|codigo swift|swift/bic|bic code)\b",
        r"\b(?:cuenta bancaria|numero de cuenta|datos bancarios|cuenta del banco|bank account|"
        r"bank details|banking details|account number|routing number|sort code)\b",
        r"\b[a-z]{2}\d{2}(?:\s?\d{4}){4,7}\b",  # an IBAN: ES91 2100 0418 4502 0005 1332
    ),
    FraudKind.CARD_DETAILS: _any(
        r"\b(?:numero|datos) de (?:la |tu )?tarjeta\b",
        r"\b(?:tu|your) (?:tarjeta|card)\b",
        r"\bcard (?:number|details)\b",
        r"\b(?:cvv2?|cvc)\b",
        r"\b(?:codigo de seguridad|security code|fecha de caducidad|expiry date|expiration date)\b",
        r"\b(?:tu|your) (?:pin|clave|contrasena|password)\b",
        # The code a bank or an app sends by SMS: whoever has it takes the account.
        r"\b(?:codigo de verificacion|verification code|codigo (?:de )?(?:un solo uso|sms)|"
        r"one[- ]time (?:code|password)|otp|sms code)\b",
        rf"\b(?:el|ese|the|that) (?:codigo|code)\b{_GAP}\b(?:te (?:ha )?(?:llegado|llega|"
        r"enviado|mandado)|recib\w*|you (?:got|get|received|receive)|sent to you|por sms|by sms|"
        r"by text)",
        rf"\btarjeta\b{_GAP}\by (?:el|los) (?:codigo|numeros? de detras)\b",
        rf"\bcard\b{_GAP}\band the (?:code|numbers on the back)\b",
    ),
    FraudKind.COURIER_PICKUP: _any(
        r"\bmi (?:mensajero|transportista|repartidor|agente de envios|agencia de transporte|"
        r"courier)\b",
        r"\b(?:my|our) (?:courier|shipping agent|delivery agent|shipping company|logistics)\b",
        r"\b(?:enviare|enviar|mandare|mando|mandar) (?:a )?(?:un|mi) "
        r"(?:mensajero|transportista|repartidor|agente)\b",
        r"\b(?:send|sending|send over) (?:a|my|an) (?:courier|shipping agent|agent|driver)\b",
        rf"\b(?:mensajero|transportista|courier|agente de envios|shipping agent)\b{_GAP}"
        r"\b(?:recog\w*|pick\w* (?:it )?up|collect\w*|come for it)",
    ),
}

_LINK = _any(
    r"\bhttps?://\S+",
    r"\bwww\.\S+",
    r"\b(?:bit\.ly|tinyurl\.com|goo\.gl|t\.co|wa\.me|t\.me|cutt\.ly|is\.gd|ow\.ly|rb\.gy|"
    r"shorturl\.at)(?:/\S*)?",
    # ".es", ".co", ".me" only with a path: "Hola.es posible?" is a typo, not a link.
    r"\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|io|info|xyz|app|link|site|online|shop|"
    r"store|top|click|biz|ru)\b(?:/\S*)?",
    r"\b[a-z0-9][a-z0-9-]{1,62}\.[a-z]{2,6}/\S+",
)
# A link is phishing when it is where the seller is told to pay, cash in, confirm, log in or
# type details ("confirma el envío en ...", "pay the deposit here http://...") or when its
# address says so ("pago-seguro-envios.com"); "the photos are at bit.ly/..." is a plain link.
_PHISHING_CONTEXT = re.compile(
    r"\b(?:pag\w*|pay\w*|cobr\w*|deposit\w*|senal|confirm\w*|verif\w*|valid\w*|login|"
    r"log ?in|sign in|inicia sesion|accede\w*|claim|reclama\w*|rellena\w*|fill in|formulario|"
    r"form|tus datos|your details|tarjeta|card|refund|reembolso)\b")
_PHISHING_ADDRESS = re.compile(
    r"pag[oa]|pay|cobr|secur|segur|envio|deliver|shipping|entrega|verif|login|bank|banco|"
    r"confirm|refund|reembolso|track|wallet|deposit")
_NEAR_LINK = 60

_ABROAD = _any(
    r"\b(?:estoy|vivo|trabajo|me encuentro|resido|i'?m|i am|currently|living|working|"
    r"live|work)\b[^.!?\n]{0,20}\b(?:en el extranjero|fuera del pais|fuera de espana|abroad|"
    r"overseas|out of the country|offshore|on a ship|en un barco|on an oil rig|deployed)\b",
    rf"\b(?:envi\w*|mand\w*|ship\w*|send\w*)\b{_GAP}\b(?:al extranjero|a otro pais|"
    r"fuera de espana|abroad|overseas|another country|other country|outside (?:the )?"
    r"(?:country|eu|spain)|a nigeria|to nigeria|a ghana|to ghana|a dubai|to dubai)\b",
)
_URGENCY = re.compile(
    r"\b(?:urgente|urgentemente|urgencia|urgent|urgently|asap|cuanto antes|lo antes posible|"
    r"ahora mismo|right now|right away|inmediatamente|immediately|de inmediato|hoy mismo|today|"
    r"hoy|now|ya mismo|rapido|quickly)\b"
)


def detect_fraud_signals(text: str) -> list[FraudSignal]:
    """The scam signals in a message: at most one per kind, in the order they appear."""
    folded = _fold(text)
    found: list[tuple[int, FraudSignal]] = []
    for kind, pattern in _PATTERNS.items():
        match = pattern.search(folded)
        if match:
            found.append((match.start(), FraudSignal(kind, text[match.start():match.end()])))
    link = _LINK.search(folded)
    if link:
        near = folded[max(0, link.start() - _NEAR_LINK):link.end() + _NEAR_LINK]
        phishing = _PHISHING_CONTEXT.search(near) or _PHISHING_ADDRESS.search(link.group())
        kind = FraudKind.PHISHING_LINK if phishing else FraudKind.EXTERNAL_LINK
        found.append((link.start(), FraudSignal(kind, text[link.start():link.end()])))
    # Being abroad, or wanting it shipped abroad, is ordinary; with a rush it is the playbook.
    abroad = _ABROAD.search(folded)
    if abroad and _URGENCY.search(folded):
        signal = FraudSignal(FraudKind.OVERSEAS_URGENCY, text[abroad.start():abroad.end()])
        found.append((abroad.start(), signal))
    found.sort(key=lambda item: item[0])
    return [signal for _, signal in found]


# How much one signal costs the buyer's trust score (seen by operators and the recompute job;
# blocking follows `fraud_verdict`, not the score).
PENALTIES: dict[FraudKind, Decimal] = {
    FraudKind.ADVANCE_PAYMENT: Decimal("0.30"),
    FraudKind.CARD_DETAILS: Decimal("0.35"),
    FraudKind.ASKS_IDENTITY_DOCUMENT: Decimal("0.35"),
    FraudKind.COURIER_PICKUP: Decimal("0.30"),
    FraudKind.PHISHING_LINK: Decimal("0.30"),
    FraudKind.OFF_PLATFORM_PAYMENT: Decimal("0.15"),
    FraudKind.ASKS_BANK_DETAILS: Decimal("0.15"),
    FraudKind.OVERSEAS_URGENCY: Decimal("0.15"),
    FraudKind.EXTERNAL_LINK: Decimal("0.10"),
    FraudKind.ASKS_PHONE: Decimal("0.05"),
}


def _score(value: Decimal | float) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise ValueError(f"trust score must be a number, got {value!r}")
    try:
        score = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"trust score must be a number, got {value!r}") from None
    if not score.is_finite():
        raise ValueError(f"trust score must be finite, got {value!r}")
    return score


def apply_trust_penalty(score: Decimal | float, signals: Iterable[FraudSignal]) -> float:
    """The trust score after these signals: lowered per signal, kept within 0..1 (2 decimals)."""
    # Decimal arithmetic so 0.5 - 0.3 is exactly 0.2, not 0.19999999999999998.
    result = _score(score) - sum((PENALTIES[signal.kind] for signal in signals), Decimal(0))
    result = min(max(result, Decimal(0)), Decimal(1))
    return float(result.quantize(Decimal("0.01")))


_SAFE_DECLINE = {
    "es": (
        "Por seguridad, el pago y el contacto se hacen siempre dentro de la plataforma: no "
        "comparto datos personales ni de pago, no abro enlaces externos y no entrego a "
        "mensajeros de terceros. Si te interesa, seguimos por aquí."
    ),
    "en": (
        "For everyone's safety, payment and contact always stay inside the platform: I don't "
        "give out personal or payment details, open outside links, or hand items to "
        "third-party couriers. If you're interested, let's keep talking here."
    ),
}


def safe_decline_text(language: str) -> str:
    """What the bot says to a scam attempt: no, and everything stays on the platform."""
    text = _SAFE_DECLINE.get(language)
    if text is None:
        raise ValueError(f"language must be 'es' or 'en', got {language!r}")
    return text
