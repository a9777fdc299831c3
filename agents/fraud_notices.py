"""Scam signals told in words: what the seller reads when a buyer is warned or blocked.

The seller sees what the buyer asked for and the buyer's own words, never a code such as
"asks_phone".
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.fraud_signals import FraudKind, FraudSignal

_WORDS: dict[FraudKind, dict[str, str]] = {
    FraudKind.ADVANCE_PAYMENT: {"es": "propone un pago por adelantado o por un medio sin "
                                      "protección", "en": "proposes paying ahead or by an "
                                                          "untraceable method"},
    FraudKind.CARD_DETAILS: {"es": "pide los datos o los códigos de tu tarjeta",
                             "en": "asks for your card details or codes"},
    FraudKind.ASKS_IDENTITY_DOCUMENT: {"es": "pide tu documento de identidad",
                                       "en": "asks for your identity document"},
    FraudKind.COURIER_PICKUP: {"es": "quiere mandar a un mensajero suyo a recogerlo",
                               "en": "wants their own courier to collect it"},
    FraudKind.PHISHING_LINK: {"es": "manda un enlace para pagar o dar tus datos",
                              "en": "sends a link to pay or enter your details"},
    FraudKind.OFF_PLATFORM_PAYMENT: {"es": "quiere pagar fuera de la plataforma",
                                     "en": "wants to pay outside the platform"},
    FraudKind.EXTERNAL_LINK: {"es": "manda un enlace externo", "en": "sends an outside link"},
    FraudKind.ASKS_PHONE: {"es": "quiere seguir por teléfono o WhatsApp",
                           "en": "wants to move to phone or WhatsApp"},
    FraudKind.ASKS_BANK_DETAILS: {"es": "pide tus datos bancarios",
                                  "en": "asks for your bank details"},
    FraudKind.OVERSEAS_URGENCY: {"es": "dice estar en el extranjero y tener prisa",
                                 "en": "says they are abroad and in a hurry"},
}
_AND = {"es": " y ", "en": " and "}
_QUOTE = {"es": "«{}»", "en": "“{}”"}


def reasons(signals: Sequence[FraudSignal]) -> dict[str, str]:
    """What the buyer did, in each language: "pide tu documento de identidad («foto de tu
    DNI»)"; one phrase per kind, in the order they appeared."""
    seen: list[FraudSignal] = []
    for signal in signals:
        if signal.kind not in {s.kind for s in seen}:
            seen.append(signal)
    told = {}
    for language in ("es", "en"):
        parts = [f"{_WORDS[s.kind][language]} ({_QUOTE[language].format(s.matched.strip()[:80])})"
                 for s in seen]
        told[language] = _AND[language].join([", ".join(parts[:-1]), parts[-1]]) \
            if len(parts) > 1 else "".join(parts)
    return told
