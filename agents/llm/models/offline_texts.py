"""The offline model's sentences in Spanish and English, and how it writes money and states.

Texts hold no figures of their own: every number in a reply is filled in from the Context
block, a tool result or the speaker's own message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

TEXTS: dict[str, tuple[str, str]] = {
    # key: (es, en)
    "greeting_product": ("¡Hola{name}! Gracias por escribir por «{title}». ¿En qué puedo "
                         "ayudarte?", "Hi{name}! Thanks for your message about “{title}”. How "
                         "can I help?"),
    "greeting": ("¡Hola{name}! ¿En qué puedo ayudarte?", "Hi{name}! How can I help?"),
    "greeting_seller": ("¡Hola{name}! Mándame una foto de lo que quieras vender con una frase "
                        "que diga qué es y su precio, y preparo el anuncio.",
                        "Hi{name}! Send me a photo of what you want to sell with a sentence "
                        "saying what it is and its price, and I'll prepare the listing."),
    "thanks": ("¡De nada! Si necesitas algo más, aquí estoy.",
               "You're welcome! Let me know if you need anything else."),
    "acknowledge": ("¡Perfecto! ¿Algo más en lo que pueda ayudarte?",
                    "Great! Anything else I can help with?"),
    "decline": ("Entendido, sin problema. Si cambias de idea, aquí estaré.",
                "No problem, understood. If you change your mind, I'm here."),
    "help_buyer": ("Puedo decirte si sigue disponible, contarte su estado, el envío, el pago o "
                   "dónde está, recibir tu oferta y pasarle al vendedor una propuesta para quedar.",
                   "I can tell you whether it's still available, answer about its condition, "
                   "shipping, payment or location, take your offer and pass a meeting proposal "
                   "to the seller."),
    "help_seller": ("Puedo crear un anuncio a partir de una foto y una frase, cambiar el precio, "
                    "el precio mínimo, el título, la descripción o el estado, publicarlo, "
                    "pausarlo o reactivarlo, marcarlo como vendido, generar otra versión o volver "
                    "a una anterior, y dejarte llevar tú una conversación con un comprador.",
                    "I can create a listing from a photo and a sentence, change the price, the "
                    "floor price, the title, the description or the condition, publish, pause or "
                    "reactivate it, mark it as sold, write another version or go back to an "
                    "earlier one, and let you take over a conversation with a buyer."),
    "not_understood": ("No te he entendido del todo. ", "I didn't quite get that. "),
    # After a message nobody understood: the next step, not the whole help again.
    "next_first_listing": ("Para crear tu primer anuncio, mándame una foto de lo que vendes con "
                           "una frase que diga qué es y su precio.", "To create your first "
                           "listing, send me a photo of what you're selling with a sentence "
                           "saying what it is and its price."),
    "next_price": ("A «{title}» le falta el precio: ¿cuánto pides?",
                   "“{title}” still needs a price: how much are you asking?"),
    "next_publish": ("«{title}» está listo: ¿lo publico? También puedo cambiarle el precio, el "
                     "título o la descripción.", "“{title}” is ready: shall I publish it? I can "
                     "also change its price, title or description."),
    "next_generic": ("Puedes pedirme, por ejemplo, que baje el precio de «{title}», que lo "
                     "pause o que lo publique, o mandarme una foto para un anuncio nuevo. Con "
                     "/help te lo cuento todo.", "You can ask me, for example, to lower the "
                     "price of “{title}”, pause it or publish it, or send me a photo for a new "
                     "listing. /help explains everything."),
    "not_a_listing": ("No he creado ningún anuncio: para uno nuevo, mándame una foto o escríbeme "
                      "«Vendo …» con lo que es y su precio. Si es el precio de uno de tus "
                      "productos, dime cuál.", "I haven't created a listing: for a new one, send "
                      "me a photo or write “I'm selling …” with what it is and its price. If "
                      "it's the price of one of your products, tell me which."),
    "cannot": ("Ahora mismo no puedo hacer eso.", "I can't do that right now."),
    "ask_price": ("¿Qué precio quieres ponerle?", "What price do you want to set?"),
    "ask_floor": ("¿Cuál es el precio más bajo que aceptarías?",
                  "What's the lowest price you'd accept?"),
    "ask_title": ("¿Qué título quieres ponerle?", "What title do you want?"),
    "ask_description": ("¿Qué descripción quieres ponerle?", "What description do you want?"),
    "ask_condition": ("¿En qué estado está: nuevo o usado?", "What condition is it in: new or "
                      "used?"),
    "ask_version": ("¿A qué versión del anuncio quieres volver?",
                    "Which version of the listing do you want to go back to?"),
    "ask_conversation": ("¿De qué conversación se trata? Dime su identificador.",
                         "Which conversation is it? Tell me its id."),
    "ask_place": ("¿Dónde te vendría bien quedar?", "Where would suit you to meet?"),
    "ask_time": ("¿Qué día y a qué hora te viene bien?", "What day and time suit you?"),
    "ask_place_time": ("¡Claro! ¿Dónde y cuándo te vendría bien quedar?",
                       "Sure! Where and when would suit you to meet?"),
    "ask_search": ("¿Qué estás buscando?", "What are you looking for?"),
    "available": ("¡Sí, sigue disponible!", "Yes, it's still available!"),
    "available_title": ("¡Sí, «{title}» sigue disponible!", "Yes, “{title}” is still available!"),
    # the buyer asked whether it is reserved or sold: "yes, available" would read as "yes, sold"
    "not_taken": ("No, sigue disponible.", "No, it's still available."),
    "not_taken_title": ("No, «{title}» sigue disponible.", "No, “{title}” is still available."),
    "reserved_waiting": ("Ahora mismo está reservado para otro comprador. Le he dicho al "
                         "vendedor que ofreces {offer}; si esa venta no sale, te lo ofrezco a "
                         "ti primero.", "It's reserved for another buyer right now. I've told "
                         "the seller you offer {offer}; if that sale falls through, you'll be "
                         "the first I offer it to."),
    "reserved": ("Ahora mismo está reservado para otro comprador. Si esa venta no sale, te aviso.",
                 "It's reserved for another buyer right now. If that sale falls through, I'll "
                 "let you know."),
    "sold": ("Lo siento, ya se ha vendido.", "Sorry, it has already been sold."),
    "paused": ("Ahora mismo el anuncio está en pausa, así que no está disponible.",
               "The listing is paused right now, so it isn't available."),
    "offer_accept": ("¡Trato hecho por {amount}! Queda reservado para ti; el vendedor te "
                     "confirmará en breve para cerrar la entrega.",
                     "Deal at {amount}! It's reserved for you; the seller will confirm shortly "
                     "to arrange the handover."),
    "offer_accept_unreserved": ("¡Acepto {amount}! El vendedor te confirmará en breve.",
                                "I accept {amount}! The seller will confirm shortly."),
    "offer_counter": ("No puedo dejarlo en {offer}, pero te lo dejo en {counter}.",
                      "I can't do {offer}, but I can do {counter}."),
    "offer_too_low": ("Gracias por la oferta, pero es demasiado baja.",
                      "Thanks for the offer, but it's too low."),
    "asking_price": (" El precio es {price}.", " The asking price is {price}."),
    "offer_again": (" Si quieres, hazme otra oferta.", " Feel free to make another offer."),
    "offer_no_lower": ("Lo siento, no puedo bajar más.", "Sorry, I can't go any lower."),
    "counter_stands": (" Mi última propuesta sigue en pie: {counter}.",
                       " My last offer still stands: {counter}."),
    "counter_accepted": ("¡Perfecto, trato hecho por {amount}! Lo he reservado para ti; el "
                         "vendedor te confirmará en breve.",
                         "Great, it's a deal at {amount}! I've reserved it for you; the seller "
                         "will confirm shortly."),
    "meeting_sent": ("Le he pasado tu propuesta al vendedor: {place}, {time}. Te confirmará en "
                     "cuanto pueda.", "I've passed your proposal to the seller: {place}, {time}. "
                     "They'll confirm as soon as they can."),
    "already_asked": ("Ya se lo he preguntado al vendedor; te contesto en cuanto responda.",
                      "I've already asked the seller; I'll get back to you as soon as they "
                      "answer."),
    "asked_seller": ("No tengo ese dato, así que se lo he preguntado al vendedor. Te contesto en "
                     "cuanto responda.", "I don't have that detail, so I've asked the seller. "
                     "I'll get back to you as soon as they answer."),
    "asked_for_photos": ("Se lo he pedido al vendedor: te las mandará por aquí en cuanto "
                         "pueda.", "I've asked the seller for them: they'll send them here as "
                         "soon as they can."),
    "search_found": ("Esto es lo que he encontrado:", "Here's what I found:"),
    "search_none": ("No he encontrado nada para «{query}».", "I couldn't find anything for "
                    "“{query}”."),
    "price_is": ("El precio es {price}.", "The price is {price}."),
    # "¿es negociable?" / "what's the lowest?": whether offers are taken, never a lower figure
    "price_open": ("El precio es {price} y el vendedor acepta ofertas: si quieres, hazme una.",
                   "The price is {price} and the seller is open to offers: feel free to make "
                   "one."),
    "price_firm": ("El precio es {price} y es fijo: el vendedor no acepta ofertas por debajo.",
                   "The price is {price} and it's firm: the seller doesn't take lower offers."),
    "price_lowest": ("No puedo decirte un mínimo, pero el vendedor acepta ofertas: dime cuánto "
                     "ofreces y te digo si puede ser. El precio es {price}.",
                     "I can't give you a minimum, but the seller is open to offers: tell me "
                     "what you'd pay and I'll tell you if it works. The price is {price}."),
    "condition_is": ("Estado: {condition}.", "Condition: {condition}."),
    "listing_says": ("Según el anuncio: {quote}", "The listing says: {quote}"),
    "not_in_listing": ("El anuncio no lo indica.", "The listing doesn't say."),
    "status_is": ("Ahora mismo está {status}.", "Right now it's {status}."),
    "created": ("He preparado el anuncio «{title}»", "I've prepared the listing “{title}”"),
    "created_price": (" por {price}", " at {price}"),
    "confidence": (" (confianza: {percent} %).", " (confidence: {percent}%)."),
    "route_quick_publish": (" ¿Lo publico?", " Shall I publish it?"),
    "route_review": (" Échale un vistazo y dime si quieres cambiar algo antes de publicarlo.",
                     " Have a look and tell me if you want to change anything before publishing."),
    "route_ask": (" Me falta: {missing}. ¿Me lo dices?", " I still need: {missing}. Can you tell "
                  "me?"),
    "regenerated": ("Nueva versión ({version}) del anuncio: «{title}»",
                    "New version ({version}) of the listing: “{title}”"),
    "listing_full": ("Título: {title}\nDescripción: {description}\nCategoría: {category} · "
                     "Estado: {condition} · Precio: {price}", "Title: {title}\nDescription: "
                     "{description}\nCategory: {category} · Condition: {condition} · Price: "
                     "{price}"),
    "listing_shown": ("Así queda el anuncio de «{title}» (versión {version} de {versions}):",
                      "Here is the listing for “{title}” (version {version} of {versions}):"),
    "listing_on_sale": ("Está {status}.", "It's {status}."),
    "listing_to_publish": ("¿Lo publico?", "Shall I publish it?"),
    "no_price_yet": ("sin precio", "no price yet"),
    "reverted": ("He vuelto a la versión {version}: «{title}»",
                 "Back to version {version}: “{title}”"),
    "updated": ("Hecho: «{title}» — {changes}.", "Done: “{title}” — {changes}."),
    "change_price": ("precio {price}", "price {price}"),
    "change_floor": ("precio mínimo {price} (los compradores no lo ven)",
                     "floor price {price} (buyers never see it)"),
    "change_title": ("título «{title}»", "title “{title}”"),
    "change_description": ("descripción actualizada", "description updated"),
    "change_condition": ("estado {condition}", "condition {condition}"),
    "published": ("¡Publicado en {marketplace}! Ya está a la venta.",
                  "Published on {marketplace}! It's on sale now."),
    "published_link": (" Compártelo con este enlace: {link}", " Share it with this link: {link}"),
    "products_none": ("Todavía no tienes productos.", "You don't have any products yet."),
    "products_list": ("Tus productos:", "Your products:"),
    "sold_at": ("vendido por {price}", "sold for {price}"),
    "deleted": ("He borrado el borrador «{title}».", "I've deleted the draft “{title}”."),
    "which_product": ("¿Cuál de tus productos? {options}. Elige uno:",
                      "Which of your products? {options}. Pick one:"),
    "paused_product": ("He pausado «{title}»; ya no aparece a la venta.",
                       "I've paused “{title}”; it's no longer on sale."),
    "cancelled_draft": ("Vale, he descartado el borrador «{title}»; no se ha publicado.",
                        "OK, I've discarded the draft “{title}”; it was never published."),
    "cancelled_listing": ("He retirado «{title}»; ya no aparece a la venta.",
                          "I've taken “{title}” down; it's no longer on sale."),
    "reactivated": ("«{title}» vuelve a estar a la venta.", "“{title}” is on sale again."),
    "marked_sold": ("He marcado «{title}» como vendido", "I've marked “{title}” as sold"),
    "sold_for": (" por {price}", " for {price}"),
    "congrats": (". ¡Enhorabuena!", ". Congratulations!"),
    "conversation": ("Conversación con {buyer} ({state}):", "Conversation with {buyer} ({state}):"),
    "took_over": ("Listo: desde ahora llevas tú la conversación {id}; no contestaré en ella hasta "
                  "que me la devuelvas.", "Done: you're handling conversation {id} from now on; "
                  "I won't reply there until you hand it back."),
    "handed_back": ("Vale, vuelvo a encargarme de la conversación {id}.",
                    "OK, I'm taking care of conversation {id} again."),
    "no_counter": ("Ahora mismo no tengo ninguna contraoferta pendiente para ti. ¿Quieres hacerme "
                   "una oferta?", "I don't have a counter-offer open for you right now. Would you "
                   "like to make an offer?"),
    "stale_counter": ("Ese botón es de una oferta anterior y ya no vale. Mi oferta actual es "
                      "{counter}: si te parece bien, acéptala con el botón de abajo.",
                      "That button was for an earlier offer and is out of date. My current "
                      "offer is {counter}: tap the button below if it works for you."),
    "error": ("Lo siento, no he podido hacerlo: {message}", "Sorry, I couldn't do that: {message}"),
    # The tools' own messages are English; the usual refusals are phrased here instead, and the
    # internal ones ("This chat is not about a product.") never reach a person as they are.
    "error_no_product": ("Para eso abre primero el chat de un producto (su botón en los "
                         "resultados o su enlace), o dime qué buscas.",
                         "For that, open a product's chat first (its button in the results or "
                         "its link), or tell me what you're looking for."),
    "error_not_ready": ("Lo siento, todavía no tiene un anuncio que publicar.",
                        "Sorry, it has no listing to publish yet."),
    "error_bad_amount": ("Lo siento, esa cantidad no la entiendo. ¿Me dices la cifra?",
                         "Sorry, I didn't get that amount. What figure do you mean?"),
    "error_no_conversation": ("Lo siento, no encuentro esa conversación.",
                              "Sorry, I can't find that conversation."),
    "error_floor_without_price": ("Primero dime el precio de venta; el mínimo tiene que quedar "
                                  "por debajo.",
                                  "Tell me the asking price first; the minimum has to be below "
                                  "it."),
    "error_floor_above_price": ("Lo siento, el precio mínimo no puede ser mayor que el precio.",
                                "Sorry, the minimum price can't be above the asking price."),
    "error_bad_title": ("Lo siento, el título debe tener entre 10 y 60 caracteres.",
                        "Sorry, a title needs 10 to 60 characters."),
    "error_bad_description": ("Lo siento, la descripción necesita al menos 50 caracteres.",
                              "Sorry, a description needs at least 50 characters."),
    "error_missing_price": ("Antes de publicarlo necesito saber el precio.",
                            "I need the price before publishing it."),
    "error_no_product_seller": ("No tienes ese producto. Para un anuncio nuevo, mándame una foto o "
                         "escríbeme «Vendo …».", "You don't have that product. For a new "
                         "listing, send me a photo or write “I'm selling …”."),
    "error_not_a_draft": ("Solo puedo borrar un borrador que nunca se publicó; este puedo "
                          "pausarlo o marcarlo como vendido.", "I can only delete a draft that "
                          "was never published; this one I can pause or mark as sold."),
    "error_no_version": ("Lo siento, ese anuncio no tiene esa versión.",
                         "Sorry, that listing has no such version."),
    "error_bad_status": ("Lo siento, no puedo hacer ese cambio en el estado actual del producto.",
                         "Sorry, I can't make that change in the product's current state."),
    "ask_edit_field": ("¿Qué quieres cambiar: el título, la descripción, el precio o el precio "
                       "mínimo?", "What would you like to change: the title, the description, "
                       "the price or the minimum price?"),
    "done": ("Hecho.", "Done."),
}

_WORDS: dict[str, tuple[str, str]] = {
    "available": ("disponible", "available"), "reserved": ("reservado", "reserved"),
    "sold": ("vendido", "sold"), "paused": ("en pausa", "paused"),
    "draft": ("borrador", "draft"), "processing": ("procesándose", "processing"),
    "ready": ("listo", "ready"), "publishing": ("publicándose", "publishing"),
    "published": ("publicado", "published"), "inactive": ("inactivo", "inactive"),
    "failed": ("con error", "failed"), "new": ("nuevo", "new"), "used": ("usado", "used"),
    "not_specified": ("sin especificar", "not specified"), "price": ("el precio", "the price"),
    "title": ("el título", "the title"), "photo": ("una foto", "a photo"),
    "photos": ("una foto", "a photo"), "condition": ("el estado", "the condition"),
    "category": ("la categoría", "the category"), "description": ("la descripción",
                                                                   "the description"),
    "catalog": ("el catálogo", "the catalog"), "mercadolibre": ("MercadoLibre", "MercadoLibre"),
}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def say(key: str, language: str, **values: object) -> str:
    """The text for key in the language ('es' or 'en'), with its blanks filled in."""
    spanish, english = TEXTS[key]
    return (spanish if language == "es" else english).format(**values)


def word(term: str, language: str) -> str:
    """A status, condition, missing field or marketplace name in the language."""
    pair = _WORDS.get(str(term))
    if pair is None:
        return str(term).replace("_", " ")
    return pair[0] if language == "es" else pair[1]


def money(amount: object, currency: str | None, language: str) -> str:
    """An amount as people write it: '600 €' / '299,99 €' in Spanish, '€600' in English."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    digits = f"{value:f}" if value != value.to_integral_value() else str(int(value))
    if "." in digits:
        digits = f"{value:.2f}"
        if language == "es":
            digits = digits.replace(".", ",")
    code = (currency or "").upper()
    symbol = _SYMBOLS.get(code)
    if language == "es":
        return f"{digits} {symbol or code}".strip()
    return f"{symbol}{digits}" if symbol else f"{digits} {code}".strip()
