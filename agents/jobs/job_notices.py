"""What scheduled jobs and marketplace events tell sellers and buyers, and how it is stored.

The wording is fixed (not the model's), in Spanish and English. A notice is stored in the
recipient's chat like any bot message (`agents.conversation.outbox.store_outbound`), so a crash
before
sending loses nothing; the caller delivers the returned `OutboundMessage`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agents.conversation.outbox import OutboundMessage, seller_assistant, store_outbound
from agents.domain.negotiation_replies import format_money
from agents.turn_context import Button
from storage.models import Buyer, Conversation, MessageType, Seller
from storage.repositories import conversations as conversations_repo

NOTICES: dict[str, dict[str, str]] = {
    "ml_connect_link": {
        "es": "Abre este enlace para conectar tu cuenta de MercadoLibre (caduca en {minutes} "
              "min):\n{url}",
        "en": "Open this link to connect your MercadoLibre account (it expires in {minutes} "
              "min):\n{url}",
    },
    "ml_connected": {
        "es": "✅ Cuenta de MercadoLibre conectada: {name}. Ya puedes publicar allí con "
              "/publish_ml.",
        "en": "✅ MercadoLibre account connected: {name}. You can publish there with /publish_ml.",
    },
    "ml_not_configured": {
        "es": "MercadoLibre no está disponible en este servicio todavía.",
        "en": "MercadoLibre is not available on this service yet.",
    },
    "ml_reconnect": {
        "es": "⚠️ MercadoLibre ya no acepta la autorización guardada: envía /connect para "
              "volver a conectar tu cuenta.",
        "en": "⚠️ MercadoLibre no longer accepts the saved authorization: send /connect to "
              "reconnect your account.",
    },
    "ml_publish_button": {"es": "Publicar en MercadoLibre", "en": "Publish on MercadoLibre"},
    "ml_status_changed": {
        "es": "MercadoLibre: «{title}» está ahora {status}.",
        "en": "MercadoLibre: “{title}” is now {status}.",
    },
    "offer_expired_buyer": {
        "es": "La oferta de {amount} por «{title}» ha caducado. Si sigues interesado, "
              "haz una nueva.",
        "en": "The offer of {amount} for “{title}” has expired. If you are still interested, "
              "make a new one.",
    },
    "offer_expired_seller": {
        "es": "⌛ La negociación con {buyer} por «{title}» ({amount}) ha caducado sin respuesta.",
        "en": "⌛ The negotiation with {buyer} for “{title}” ({amount}) expired unanswered.",
    },
    "digest": {
        "es": "📊 Tu resumen de las últimas 24 h\n👀 Visitas: {views}\n💬 Conversaciones "
              "nuevas: {conversations}\n💰 Ofertas: {offers}\n✅ Ventas: {sales}{revenue}",
        "en": "📊 Your last 24 hours\n👀 Views: {views}\n💬 New conversations: "
              "{conversations}\n💰 Offers: {offers}\n✅ Sales: {sales}{revenue}",
    },
    "digest_revenue": {"es": " ({amount})", "en": " ({amount})"},
}


def notice(key: str, language: str, **values: Any) -> str:
    """A notice in the language; a value given as (amount, currency) is formatted as money."""
    entry = NOTICES[key]
    template = entry.get(language) or entry["es"]
    rendered = {name: format_money(value[0], value[1], language) if isinstance(value, tuple)
                else value for name, value in values.items()}
    return template.format(**rendered)


async def notify_seller(session: AsyncSession, seller_id: object, key: str, *, now: datetime,
                        buttons: list[list[Button]] | None = None,
                        entities: dict[str, Any] | None = None, **values: Any
                        ) -> OutboundMessage | None:
    """Store a notice in the seller's assistant chat; None when the seller is gone."""
    seller = await session.get(Seller, seller_id)
    if seller is None:
        return None
    conversation = await seller_assistant(session, seller)
    out = await store_outbound(
        session, conversation, notice(key, seller.language, **values), recipient="seller",
        buttons=buttons, message_type=MessageType.NOTIFICATION,
        extra={"entities": entities} if entities else None)
    await conversations_repo.record_activity(session, conversation, messages=1, at=now)
    return out


async def notify_buyer(session: AsyncSession, conversation: Conversation, key: str, *,
                       now: datetime, **values: Any) -> OutboundMessage | None:
    """Store a notice in the buyer's chat about a product."""
    buyer = await session.get(Buyer, conversation.buyer_id) if conversation.buyer_id else None
    if buyer is None:
        return None
    out = await store_outbound(session, conversation, notice(key, buyer.language, **values),
                               recipient="buyer", message_type=MessageType.NOTIFICATION)
    await conversations_repo.record_activity(session, conversation, messages=1, at=now)
    return out
