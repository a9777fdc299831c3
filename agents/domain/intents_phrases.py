"""The phrases a message is read by, outside the seller's commands (intents_commands.py): help,
greetings, thanks, agreeing and declining, and the buyer's questions (availability, meeting,
photos, shipping, payment, condition, location, price, a final offer). Patterns on the folded
text; part of the intent reader (agents/domain/intents.py).
"""

from __future__ import annotations

import re


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


HELP = _rx(r"^\s*/(?:help|ayuda|start)\b|\b(?:ayuda|help|que puedes hacer|what can you do"
           r"|comandos|commands|como funcionas|how do you work)\b")
GREETING = _rx(r"^\W*(?:hola+|holi|buenas|buenos dias|hey+|hi+|hello+|good (?:morning|afternoon|"
               r"evening)|que tal|saludos|ey|ola)\b")
THANKS = _rx(r"\b(?:gracias|thanks|thank you|thx|ty|cheers|te lo agradezco|appreciate it)\b")
ACKNOWLEDGE = _rx(r"^\W*(?:ok(?:ay|ey)?|vale|perfecto|genial|entendido|got it|great|cool|"
                  r"bien|de acuerdo|alright|sure|👍|👌)\W*$")
DECLINE_STRONG = _rx(
    r"^\W*no\W*$|\bno,? (?:gracias|thanks?|thank you)\b|\bno me interesa|ya no (?:me )?"
    r"(?:interesa|lo quiero|lo necesito)|\b(?:not|no longer) interested\b|\bi'?ll pass\b|"
    r"(?:^|[.,!] *|\b(?:pues|entonces|vale|ok|bueno) )paso\W*(?:$|gracias)|\b(?:olvidalo|"
    r"forget it|never ?mind|nevermind|dejalo|lo dejo|me lo pienso|lo pensare|i'?ll think about"
    r" it|no way|no deal|sin trato|i'?ll leave it)\b")
DECLINE_WEAK = _rx(r"\b(?:muy caro|demasiado caro|carisimo|too expensive|too pricey|too much|"
                   r"out of my budget|se me va de presupuesto)\b")
ACCEPT = _rx(
    r"\b(?:acepto|aceptado|trato hecho|ok deal|deal|it'?s a deal|lo quiero|me lo quedo|"
    r"i'?ll take it|i will take it|i take it|lo compro|me lo llevo|sounds good|agreed|i accept|"
    r"accepted|let'?s do it|lo cojo|(?<!de )hecho|done|venga va|de acuerdo,? (?:lo|me)|cerramos)\b")
SEARCH_NOT = _rx(
    r"\b(?:tienes|teneis|tienen|vendes|vendeis|hay|do you have|have you got|got any|necesito|"
    r"i need)\s+(?:"
    r"(?:la|el|los|las|su|tu|the|its|your|it|lo|mas|more|any more|otra|other|alguna|una|a)\s+)?"
    r"(?:caja|factura|ticket|garantia|cargador|funda|manual|fotos?|photos?|pictures?|pics?|"
    r"box|charger|receipt|warranty|invoice|case|accesorios|accessories|original|todavia|aun|"
    r"still|it\b|lo\b|que|to|saber|know|mas info|more info|detalles|details|medidas|"
    r"dimensions)")
AVAILABILITY = _rx(
    r"\b(?:disponible|dispo|available|avail|(?:tienes|tenes|vendes) (?:todavia|aun)|sigue "
    r"(?:a la venta|en venta)|sigues teniendolo|lo sigues "
    r"teniendo|(?:todavia|aun) (?:lo |la )?(?:tienes|tenes|vendes|esta)|lo tienes (?:todavia|"
    r"aun)|still (?:for sale|have it|got it|selling|there|up|on sale)|is it (?:still )?sold|"
    r"esta vendid[oa]|ya (?:lo |la )?vendiste|se vendio|is (?:this|it) sold|has it sold|en venta|"
    r"for sale|a la venta|reservad[oa]|reserved)\b|^\W*(?:sigue|still)\b|\bsigue\W*$")
MEET_STRONG = _rx(r"\b(?:quedamos|quedar|quedariamos|quedemos|nos vemos|vernos|nos podemos ver"
                  r"|meet|meet up|meeting|see you at)\b")
MEET_WEAK = _rx(r"\b(?:recoger\w*|recojo|pick (?:it |them )?up|picking (?:it )?up|paso a por|"
                r"pasarme|come by|collect|en persona|in person|en mano|(?:pasar|ir) a verl[oa]|"
                r"verl[oa] en persona|(?:see|view) it|come and see)\b")
# Asking to see more of it: only the seller can send that (never answered from the listing).
PHOTOS_REQUEST = _rx(r"\b(?:fotos?|photos?|pictures?|pics?|imagenes|images?|videos?)\b")
SHIPPING = _rx(r"\b(?:envi\w*|mand(?:a|as|ar|arlo|arla|alo|armelo)|correos|mensajer\w*|seur|mrw|"
               r"ship\w*|deliver\w*|postage|courier|send (?:it|them)|mail it|post it|"
               r"a domicilio|entrega a)\b")
PAYMENT = _rx(r"\b(?:pago|pagos|pagar\w*|pague|bizum|paypal|transferencia|efectivo|tarjeta|"
              r"wallapay|payment|pay|paying|cash|card|venmo|zelle|mercado ?pago|contra ?reembolso"
              r"|bank transfer)\b")
CONDITION = _rx(
    r"\b(?:estado|condicion|condition|rayas?|rayad[oa]|rayones|aranazos?|golpes?|scratch\w*|"
    r"dent\w*|damage\w*|danos?|defectos?|defects?|funciona\w*|(?:does it|it|still|all) works?|"
    r"working|bateria|battery|"
    r"usad[oa]|used|nuev[oa]|new|desgaste|wear|rot[oa]|broken|crack\w*|estrenar|precintad[oa]|"
    r"sealed|how old|cuantos anos|antiguedad|hace cuanto|cuanto tiempo|how long have|"
    r"garantia|warranty|fallos?|problemas?|issues?|"
    r"problems?|faults?)\b")
LOCATION = _rx(r"\b(?:donde|where|ubicacion|ubicad[oa]|location|located|zona|barrio|ciudad|"
               r"city|area|de que parte|which part)\b")
PRICE = _rx(r"\b(?:cuanto|precio|price|how much|cost\w*|cuesta|valor|rebaja\w*|descuento|"
            r"discount|negociable|negotiable|lowest|cheaper|mas barato|bajar\w*|baja(?:s|rias)|"
            r"lower|go down|dejarlo|dejas|dejarias|best you can do)\b")
# An offer the buyer calls their last: "venga 250 última oferta", "final offer 250".
FINAL_OFFER = _rx(
    r"\b(?:ultim[oa] (?:oferta|precio|palabra)|(?:oferta|precio) (?:final|definitiv[oa])|"
    r"(?:final|last|best|top) (?:offer|price)|(?:es )?lo maximo que (?:puedo|te doy|llego)|"
    r"no (?:puedo|llego a) mas|ni un (?:euro|centimo|duro) mas|(?:is |that'?s )?the most i can"
    r"|(?:can'?t|cannot) go (?:any )?higher|not a (?:penny|cent) more|take it or leave it|"
    r"lo tomas o lo dejas|(?:and )?that'?s it|y ya esta|tops\b|max(?:imo)?\W*$)")
