"""The service's own wording (not the model's), in Spanish and English.

Notifications to sellers, button labels and safety replies must read the same whatever model
runs, so they live here as templates.
"""

from __future__ import annotations

from agents.negotiation import format_money

TEXTS: dict[str, dict[str, str]] = {
    "btn_accept_counter": {"es": "Aceptar {amount}", "en": "Accept {amount}"},
    "btn_confirm_sale": {"es": "✅ Confirmar venta", "en": "✅ Confirm sale"},
    "btn_decline_sale": {"es": "❌ Rechazar", "en": "❌ Decline"},
    "btn_publish": {"es": "Publicar", "en": "Publish"},
    "btn_edit": {"es": "Editar", "en": "Edit"},
    "btn_regenerate": {"es": "Regenerar", "en": "Regenerate"},
    "btn_cancel": {"es": "Cancelar", "en": "Cancel"},
    "seller_command_for_buyer": {
        "es": "{command} es un comando para vendedores: {purpose}. Aquí eres comprador, así que "
              "no cambia nada; para vender algo, mándame una foto o escribe /sell.",
        "en": "{command} is a command for sellers: {purpose}. Here you're a buyer, so it "
              "changes nothing; to sell something, send me a photo or type /sell.",
    },
    "purpose_sell": {"es": "empieza un anuncio", "en": "it starts a listing"},
    "purpose_mylistings": {"es": "lista los productos del vendedor",
                           "en": "it lists the seller's products"},
    "purpose_sold": {"es": "marca un producto propio como vendido",
                     "en": "it marks one's own product as sold"},
    "purpose_pause": {"es": "pausa un anuncio propio", "en": "it pauses one's own listing"},
    "purpose_floor": {"es": "fija el precio mínimo que el bot acepta por un producto propio",
                      "en": "it sets the lowest price the bot accepts for one's own product"},
    "purpose_connect": {"es": "conecta una cuenta de MercadoLibre",
                        "en": "it connects a MercadoLibre account"},
    "purpose_publish_ml": {"es": "publica un producto propio en MercadoLibre",
                           "en": "it publishes one's own product on MercadoLibre"},
    "product_chosen": {
        "es": "De acuerdo, seguimos con «{title}». ¿Qué quieres hacer con él?",
        "en": "All right, “{title}” it is. What would you like to do with it?",
    },
    "btn_take_over": {"es": "Responder yo", "en": "Take over"},
    "btn_hand_back": {"es": "Devolver al bot", "en": "Hand back to the bot"},
    "btn_open_product": {"es": "Ver", "en": "Open"},
    "btn_open_chat": {"es": "Abrir su chat", "en": "Open its chat"},
    "open_to_continue": {
        "es": "Pulsa «Abrir su chat» para preguntar, ofertar o reservarlo.",
        "en": "Press “Open its chat” to ask, make an offer or reserve it.",
    },
    "you_took_over": {
        "es": "Ahora atiendes tú a {buyer}: escríbeme aquí lo que quieras decirle y se lo haré "
              "llegar.",
        "en": "You are now answering {buyer}: write here what you want to tell them and I'll "
              "pass it on.",
    },
    "seller_answer_sent": {
        "es": "Enviado a {buyer} («{title}») como respuesta a «{question}». Sigo atendiendo yo "
              "esa conversación; pulsa «Responder yo» si quieres llevarla tú.",
        "en": "Sent to {buyer} (“{title}”) as the answer to “{question}”. I'll keep handling "
              "that chat; press “Take over” to handle it yourself.",
    },
    "seller_answer_which": {
        "es": "Hay varios compradores esperando tu respuesta. ¿Para quién es este mensaje?",
        "en": "Several buyers are waiting for your answer. Who is this message for?",
    },
    "seller_deal_reserved": {
        "es": "🤝 {buyer} acepta {amount} por «{title}». Lo he reservado {hours} h: "
              "confirma la venta o recházala.",
        "en": "🤝 {buyer} agreed {amount} for “{title}”. I reserved it for {hours} h: "
              "confirm the sale or decline it.",
    },
    "seller_new_offer": {
        "es": "💬 {buyer} ofrece {amount} por «{title}».",
        "en": "💬 {buyer} offers {amount} for “{title}”.",
    },
    "seller_question": {
        "es": "❓ {buyer} pregunta sobre «{title}»: {question}\nResponde aquí y se lo haré llegar.",
        "en": "❓ {buyer} asks about “{title}”: {question}\nReply here and I'll pass it on.",
    },
    "seller_meeting": {
        "es": "📍 {buyer} propone quedar para «{title}»: {place}, {time}.",
        "en": "📍 {buyer} proposes to meet for “{title}”: {place}, {time}.",
    },
    "seller_fraud_warning": {
        "es": "⚠️ Cuidado con {buyer} en «{title}»: {reasons}. Le he recordado que el pago y el "
              "contacto van por la plataforma; la conversación sigue. No compartas datos ni "
              "pagues fuera de la plataforma.",
        "en": "⚠️ Careful with {buyer} on “{title}”: {reasons}. I reminded them that payment "
              "and contact stay on the platform; the chat goes on. Don't share details or take "
              "payment off-platform.",
    },
    "seller_fraud_blocked": {
        "es": "⛔ He bloqueado a {buyer} en «{title}»: {reasons}. Es un patrón de estafa habitual, "
              "así que no le responderé más en tus productos. Si crees que es un error, "
              "desbloquéalo con el botón.",
        "en": "⛔ I blocked {buyer} on “{title}”: {reasons}. That is a common scam pattern, so I "
              "won't answer them on your products any more. If you think it's a mistake, "
              "unblock them with the button.",
    },
    "btn_unblock": {"es": "🔓 Desbloquear", "en": "🔓 Unblock"},
    "seller_unblocked": {
        "es": "Hecho: {buyer} está desbloqueado y puede volver a escribirte sobre «{title}».",
        "en": "Done: {buyer} is unblocked and can write to you about “{title}” again.",
    },
    "buyer_unblocked": {
        "es": "El vendedor ha reabierto el chat sobre «{title}». Puedes seguir escribiendo aquí.",
        "en": "The seller reopened the chat about “{title}”. You can keep writing here.",
    },
    "buyer_fraud_last_warning": {
        "es": "Es el segundo aviso: si vuelves a pedir pagos o contacto fuera de la plataforma, "
              "cerraré este chat.",
        "en": "This is the second warning: if you ask again for payment or contact outside the "
              "platform, I'll close this chat.",
    },
    "buyer_chat_closed": {
        "es": "He cerrado este chat por seguridad: no seguiré con esta venta ni con las demás "
              "de este vendedor.",
        "en": "I've closed this chat for safety reasons: I won't go on with this sale or the "
              "seller's other ones.",
    },
    "buyer_contact_passed": {
        "es": "Se lo paso al vendedor para que os pongáis de acuerdo. Te contestará por aquí.",
        "en": "I've passed that on to the seller so you can arrange it. They'll answer here.",
    },
    "seller_contact_request": {
        "es": "📞 {buyer} («{title}») quiere concretar la entrega contigo: {text}\n"
              "Respóndele aquí y se lo haré llegar.",
        "en": "📞 {buyer} (“{title}”) wants to arrange the hand-over with you: {text}\n"
              "Reply here and I'll pass it on.",
    },
    "seller_relay": {
        "es": "💬 {buyer} («{title}»): {text}",
        "en": "💬 {buyer} (“{title}”): {text}",
    },
    "buyer_sale_confirmed": {
        "es": "✅ El vendedor ha confirmado la venta de «{title}» por {amount}. ¡Gracias!",
        "en": "✅ The seller confirmed the sale of “{title}” for {amount}. Thank you!",
    },
    "buyer_sale_declined": {
        "es": "Lo siento, el vendedor no ha podido cerrar la venta de «{title}».",
        "en": "Sorry, the seller could not close the sale of “{title}”.",
    },
    "reservation_expired_buyer": {
        "es": "La reserva de «{title}» ha caducado porque el vendedor no la confirmó a tiempo.",
        "en": "The reservation of “{title}” expired: the seller did not confirm it in time.",
    },
    "reservation_expired_seller": {
        "es": "⌛ La reserva de «{title}» para {buyer} ha caducado; vuelve a estar a la venta.",
        "en": "⌛ The reservation of “{title}” for {buyer} expired; it is on sale again.",
    },
    "back_on_sale": {
        "es": "🔔 «{title}» vuelve a estar disponible por {amount}. ¿Sigues interesado?",
        "en": "🔔 “{title}” is available again for {amount}. Still interested?",
    },
    "seller_buyer_waiting": {
        "es": "⏳ {buyer} ofrece {amount} por «{title}», que está reservado. Si esa reserva no "
              "sale, se lo ofrezco a {buyer}.",
        "en": "⏳ {buyer} offers {amount} for “{title}”, which is reserved. If that reservation "
              "falls through, I'll offer it to {buyer}.",
    },
    "waiting_buyer_offered": {
        "es": "🔔 «{title}» vuelve a estar disponible y me ofreciste {offer}: es tuyo por "
              "{amount} si lo sigues queriendo.",
        "en": "🔔 “{title}” is available again and you offered {offer}: it's yours for {amount} "
              "if you still want it.",
    },
    "waiting_buyer_countered": {
        "es": "🔔 «{title}» vuelve a estar disponible. Me ofreciste {offer}; te lo puedo dejar "
              "en {amount}.",
        "en": "🔔 “{title}” is available again. You offered {offer}; I can do {amount}.",
    },
    "no_product_open": {
        "es": "Abre el enlace de un producto para hablar de él, o dime qué buscas.",
        "en": "Open a product's link to talk about it, or tell me what you are looking for.",
    },
    "agent_unavailable": {
        "es": "Perdona, ahora mismo no puedo responder. Vuelvo contigo enseguida.",
        "en": "Sorry, I can't answer right now. I'll be back with you shortly.",
    },
    "model_call_limit": {
        "es": "Perdona, me he liado con eso. ¿Me lo dices de otra forma, en pocas palabras?",
        "en": "Sorry, I got tangled up with that. Could you put it another way, briefly?",
    },
    "product_intro": {
        "es": "Hola 👋 Estás preguntando por «{title}» — {amount} ({condition}). {status} "
              "¿Qué quieres saber?",
        "en": "Hi 👋 You're asking about “{title}” — {amount} ({condition}). {status} "
              "What would you like to know?",
    },
    "status_available": {"es": "Está disponible.", "en": "It's available."},
    "status_reserved": {"es": "Ahora mismo está reservado.", "en": "It's reserved right now."},
    "status_sold": {"es": "Ya está vendido.", "en": "It has already been sold."},
    "status_paused": {"es": "Ahora mismo no está a la venta.", "en": "It's not on sale right now."},
    "product_not_found": {
        "es": "Ese enlace no corresponde a ningún producto. Dime qué buscas y te ayudo.",
        "en": "That link doesn't match any product. Tell me what you're looking for.",
    },
    "unsupported_media": {
        "es": "Gracias, pero solo puedo leer texto y fotos. ¿Me lo escribes?",
        "en": "Thanks, but I can only read text and photos. Could you type it?",
    },
    "relayed_to_buyer": {
        "es": "Enviado a {buyer}. El bot no responderá en esa conversación hasta que la "
              "devuelvas.",
        "en": "Sent to {buyer}. The bot stays quiet in that conversation until you hand it back.",
    },
    "seller_says": {"es": "El vendedor: {text}", "en": "The seller: {text}"},
    "handed_back": {
        "es": "El bot vuelve a atender a {buyer}.",
        "en": "The bot is answering {buyer} again.",
    },
    "action_not_possible": {
        "es": "Eso ya no se puede hacer: ha cambiado o no es tuyo.",
        "en": "That can't be done any more: it has changed or isn't yours.",
    },
}


def text(key: str, language: str, **values: object) -> str:
    """Render a template; a value given as (amount, currency) is formatted for the language,
    one given as {"es": ..., "en": ...} is taken in the language."""
    entry = TEXTS[key]
    template = entry.get(language) or entry["es"]
    return template.format(**{name: _value(value, language) for name, value in values.items()})


def _value(value: object, language: str) -> object:
    if isinstance(value, tuple):
        return format_money(value[0], value[1], language)
    if isinstance(value, dict):
        return value.get(language) or value["es"]
    return value
