"""The sample data set: sellers, buyers, products and conversations the bot can use at once.

Plain data only; `storage.sample_loader` writes it. Telegram ids live in ranges of their own
(7001000xx sellers, 7002000xx buyers) so the set is recognised on a second run and never
collides with real users. The negotiations respect the policy: every bot counter stays above
the product's floor and above the buyer offer it answers, and the accepted offer is at or
above the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

D = Decimal
DEFAULT_FLOOR_RATIO = D("0.85")
DEFAULT_TRUST = D("0.5")


@dataclass(frozen=True)
class SampleSeller:
    key: str
    telegram_id: int
    name: str
    language: str
    floor_ratio: Decimal = DEFAULT_FLOOR_RATIO
    negotiation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleBuyer:
    key: str
    name: str
    language: str
    telegram_id: int | None = None
    marketplace_user_id: str | None = None  # a MercadoLibre user, for the marketplace channel
    is_verified: bool = False
    is_blocked: bool = False
    trust_score: Decimal = DEFAULT_TRUST
    purchase_count: int = 0


@dataclass(frozen=True)
class SampleProduct:
    key: str
    seller: str
    prompt_text: str  # what the seller wrote with the photo
    title: str
    description: str
    category_id: str
    category_name: str
    condition: Literal["new", "used"]
    price: Decimal
    min_price: Decimal | None
    attributes: dict[str, str]
    confidence: Decimal
    breakdown: dict[str, float]
    colour: tuple[int, int, int]
    listed_days_ago: int


@dataclass(frozen=True)
class SampleOffer:
    amount: Decimal
    status: Literal["pending", "countered", "accepted", "rejected"]


@dataclass(frozen=True)
class SampleTurn:
    author: Literal["buyer", "seller", "bot"]
    text: str
    minutes_ago: int
    message_type: str = "text"
    intent: str | None = None
    offer: SampleOffer | None = None  # the offer this message makes (buyer's or bot's)
    buttons: tuple[str, ...] = ()
    tool: str | None = None  # the agent tool behind a bot reply


@dataclass(frozen=True)
class SampleChat:
    """A buyer's conversation about one product, or (buyer None) a seller's assistant chat."""

    seller: str
    turns: tuple[SampleTurn, ...]
    state: str
    buyer: str | None = None
    product: str | None = None
    summary: str = ""
    negotiated_price: Decimal | None = None
    meeting_place: str | None = None
    meeting_time: str | None = None
    reserves_product: bool = False  # the accepted offer reserves the product


SELLERS = (
    SampleSeller("ana", 700100001, "Ana García", "es"),
    SampleSeller("carlos", 700100002, "Carlos Ruiz", "es", D("0.90"), {"max_rounds": 2}),
    SampleSeller("emma", 700100003, "Emma Clarke", "en", D("0.85"), {"lowball_ratio": "0.6"}),
    SampleSeller("lucia", 700100004, "Lucía Fernández", "es", D("0.88"), {"rounding": "10"}),
)

BUYERS = (
    SampleBuyer("luis", "Luis Martínez", "es", 700200001, is_verified=True, trust_score=D("0.7")),
    SampleBuyer("maria", "María López", "es", 700200002, is_verified=True,
                trust_score=D("0.8"), purchase_count=1),
    SampleBuyer("john", "John Smith", "en", 700200003),
    SampleBuyer("sofia", "Sofía Díaz", "es", 700200004, trust_score=D("0.4")),
    SampleBuyer("pablo", "Pablo Gil", "es", 700200005, is_blocked=True, trust_score=D("0.1")),
    SampleBuyer("ml_buyer", "COMPRADOR_MLA88", "es", marketplace_user_id="1234567890"),
)


def _breakdown(image: float, title: float, category: float, price: float) -> dict[str, float]:
    return {"image": image, "title": title, "category": category, "price": price}


PRODUCTS = (
    SampleProduct(
        "iphone", "ana", "Vendo iPhone 13 Pro 128GB azul, batería al 89%, 650€",
        "iPhone 13 Pro 128GB Azul Sierra, batería 89%",
        "iPhone 13 Pro de 128 GB en color azul sierra. Batería al 89%, sin golpes ni arañazos, "
        "siempre con funda y protector. Incluye caja original y cable USB-C a Lightning.",
        "MLA1051", "Celulares y Teléfonos", "used", D("650"), D("560"),
        {"brand": "Apple", "model": "iPhone 13 Pro", "storage": "128 GB", "color": "Azul Sierra",
         "battery_health": "89%"},
        D("0.92"), _breakdown(0.9, 0.95, 0.95, 0.88), (60, 90, 140), 6,
    ),
    SampleProduct(
        "bike", "ana", "Vendo bici de montaña Trek Marlin 5, talla M, 350€, poco uso",
        "Bicicleta de montaña Trek Marlin 5 talla M",
        "Bicicleta de montaña Trek Marlin 5, talla M, cuadro de aluminio, 21 velocidades y "
        "frenos de disco. Poco uso, revisada este mes; ideal para iniciarse en montaña.",
        "MLA1292", "Ciclismo", "used", D("350"), None,
        {"brand": "Trek", "model": "Marlin 5", "frame_size": "M", "wheel_size": "29\""},
        D("0.87"), _breakdown(0.85, 0.9, 0.85, 0.88), (170, 60, 40), 2,
    ),
    SampleProduct(
        "sofa", "carlos", "Sofá Kivik de 3 plazas gris, 180 euros",
        "Sofá 3 plazas IKEA Kivik gris, buen estado",
        "Sofá de tres plazas IKEA Kivik en gris claro. Fundas lavadas, sin manchas ni roturas. "
        "Medidas 228 x 95 cm. Recogida en Madrid (Chamberí), hay que llevarlo en furgoneta.",
        "MLA1574", "Hogar, Muebles y Jardín", "used", D("180"), D("140"),
        {"brand": "IKEA", "model": "Kivik", "seats": "3", "color": "Gris"},
        D("0.81"), _breakdown(0.75, 0.85, 0.9, 0.75), (120, 120, 125), 10,
    ),
    SampleProduct(
        "ps5", "carlos", "PS5 digital con dos mandos, 380",
        "PlayStation 5 Digital Edition con dos mandos",
        "PlayStation 5 Digital Edition en perfecto estado, con dos mandos DualSense, cable HDMI "
        "y cable de carga. Comprada en 2022, con factura. Sin lector de discos.",
        "MLA1144", "Consolas y Videojuegos", "used", D("380"), D("340"),
        {"brand": "Sony", "model": "PlayStation 5 Digital", "controllers": "2"},
        D("0.90"), _breakdown(0.9, 0.92, 0.95, 0.85), (235, 235, 240), 4,
    ),
    SampleProduct(
        "switch", "emma", "Selling my Nintendo Switch OLED, white, 260€",
        "Nintendo Switch OLED white, barely used",
        "Nintendo Switch OLED model in white, bought last year and barely used. Screen protector "
        "fitted since day one. Comes with the dock, both Joy-Cons, the charger and the box.",
        "MLA1144", "Consolas y Videojuegos", "used", D("260"), D("230"),
        {"brand": "Nintendo", "model": "Switch OLED", "color": "White"},
        D("0.89"), _breakdown(0.88, 0.9, 0.95, 0.82), (200, 40, 50), 3,
    ),
    SampleProduct(
        "jacket", "emma", "North Face Nuptse jacket size M black 120",
        "The North Face Nuptse jacket, black, size M",
        "The North Face 1996 Retro Nuptse down jacket, black, men's size M. Worn one winter, no "
        "tears or stains, zip works perfectly. Very warm and packs into its own pocket.",
        "MLA1430", "Ropa y Accesorios", "used", D("120"), None,
        {"brand": "The North Face", "model": "Nuptse 1996", "size": "M", "color": "Black"},
        D("0.84"), _breakdown(0.8, 0.88, 0.9, 0.8), (25, 25, 30), 8,
    ),
    SampleProduct(
        "camera", "lucia", "Vendo Canon EOS 250D con objetivo 18-55, 420€",
        "Cámara Canon EOS 250D con objetivo 18-55 mm",
        "Cámara réflex Canon EOS 250D con objetivo EF-S 18-55 mm IS STM. Unos 4.000 disparos, "
        "dos baterías, cargador, correa y tarjeta SD de 64 GB. Todo funciona perfectamente.",
        "MLA1039", "Cámaras y Accesorios", "used", D("420"), D("370"),
        {"brand": "Canon", "model": "EOS 250D", "lens": "EF-S 18-55 mm", "shutter_count": "4000"},
        D("0.91"), _breakdown(0.9, 0.93, 0.95, 0.86), (40, 40, 45), 5,
    ),
    SampleProduct(
        "macbook", "lucia", "MacBook Air M1 8GB 256GB gris espacial 700€",
        "MacBook Air M1 13\" 8 GB 256 GB gris espacial",
        "MacBook Air con chip M1, 8 GB de RAM y 256 GB de SSD, color gris espacial. Batería con "
        "92 ciclos, teclado español. Sin golpes; se entrega formateado con su cargador original.",
        "MLA1648", "Computación", "used", D("700"), D("620"),
        {"brand": "Apple", "model": "MacBook Air M1", "ram": "8 GB", "storage": "256 GB"},
        D("0.93"), _breakdown(0.92, 0.95, 0.95, 0.9), (110, 110, 118), 1,
    ),
)

T = SampleTurn

CHATS = (
    SampleChat("ana", buyer="luis", product="iphone", state="negotiating",
               summary="Luis ofrece 450 €; el bot contraoferta 610 €.", turns=(
        T("buyer", "Hola! Sigue disponible el iPhone?", 95, intent="availability"),
        T("bot", "¡Hola Luis! Sí, sigue disponible: batería al 89% y con su caja original.", 95,
          tool="get_product"),
        T("buyer", "Te doy 450 y lo recojo hoy", 80, intent="offer",
          offer=SampleOffer(D("450"), "countered")),
        T("bot", "450 € se queda lejos. Te lo puedo dejar en 610 €, ¿te encaja?", 80,
          offer=SampleOffer(D("610"), "pending"), tool="evaluate_offer"),
    )),
    SampleChat("carlos", buyer="maria", product="ps5", state="coordinating",
               summary="María compra la PS5 por 350 €; quedan el sábado.",
               negotiated_price=D("350"), meeting_place="Metro Nuevos Ministerios, Madrid",
               meeting_time="sábado 11:00", reserves_product=True, turns=(
        T("buyer", "Hola, ¿la PS5 incluye los dos mandos?", 300, intent="question"),
        T("bot", "¡Hola María! Sí, incluye dos mandos DualSense, el cable HDMI y el de carga.",
          300, tool="get_product"),
        T("buyer", "¿Aceptarías 350 €?", 290, intent="offer",
          offer=SampleOffer(D("350"), "accepted")),
        T("bot", "¡Trato hecho! Te la reservo por 350 €. ¿Dónde y cuándo te viene bien?", 290,
          tool="evaluate_offer"),
        T("buyer", "¿Quedamos el sábado a las 11 en Nuevos Ministerios?", 280, intent="meeting"),
        T("bot", "Perfecto, se lo paso a Carlos para que lo confirme.", 280,
          tool="propose_meeting"),
    )),
    SampleChat("emma", buyer="john", product="switch", state="exploring",
               summary="John asks what comes in the box.", turns=(
        T("buyer", "Hi! Does it come with the original box and the dock?", 30,
          intent="question"),
        T("bot", "Hi John! Yes: the box, the dock, both Joy-Cons and the charger.", 30,
          tool="get_product"),
    )),
    SampleChat("carlos", buyer="sofia", product="sofa", state="negotiating",
               summary="Sofía ofrece 60 €; oferta rechazada por baja.", turns=(
        T("buyer", "Te doy 60 € por el sofá", 50, intent="offer",
          offer=SampleOffer(D("60"), "rejected")),
        T("bot", "Gracias, pero 60 € está muy lejos del precio de 180 €. Si te interesa, "
          "hazme una oferta más cercana.", 50, tool="evaluate_offer"),
    )),
    SampleChat("ana", state="closed", summary="Ana publicó la bici Trek Marlin 5.", turns=(
        T("seller", "Vendo bici de montaña Trek Marlin 5, talla M, 350€, poco uso", 2885,
          message_type="photo", intent="create_product"),
        T("bot", "He preparado el anuncio «Bicicleta de montaña Trek Marlin 5 talla M» por "
          "350 €. ¿Lo publico?", 2884, buttons=("Publicar", "Editar"), tool="create_listing"),
        T("seller", "Publicar", 2880, message_type="callback", intent="publish"),
        T("bot", "¡Publicado! Los compradores ya pueden escribirte por este anuncio.", 2880,
          tool="publish_product"),
    )),
)
