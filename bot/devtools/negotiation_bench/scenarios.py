"""The benchmark's scenarios: a product (list price, the seller's floor) and a buyer (target
share of the list price, private bottomline, language), drawn from a seeded generator.

Most scenarios leave room for a deal (bottomline >= floor), the figures are measured on those;
the rest (bottomline under the floor) check that no deal is ever made below the floor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

TARGET_RATIOS = (Decimal("0.5"), Decimal("0.7"), Decimal("0.9"))
FLOOR_RATIOS = (Decimal("0.7"), Decimal("0.75"), Decimal("0.8"), Decimal("0.85"), Decimal("0.9"))
_ITEMS = (
    ("Bicicleta de montaña Trek Marlin 5", "Mountain bike Trek Marlin 5", 350),
    ("iPhone 13 Pro 128GB azul", "iPhone 13 Pro 128GB blue", 650),
    ("Sofá IKEA Kivik 3 plazas", "IKEA Kivik three-seat sofa", 180),
    ("Cámara Canon EOS 250D con objetivo", "Canon EOS 250D camera with lens", 420),
    ("Nintendo Switch OLED blanca", "Nintendo Switch OLED white", 280),
    ("Escritorio elevable IKEA Bekant", "IKEA Bekant standing desk", 250),
    ("Portátil MacBook Air M1 8GB", "MacBook Air M1 8GB laptop", 900),
    ("Guitarra Fender Stratocaster mexicana", "Fender Stratocaster guitar, Mexico", 1200),
)
INFEASIBLE_SHARE = 0.2  # scenarios whose bottomline is under the floor


@dataclass(frozen=True)
class Scenario:
    number: int
    title: str
    language: str
    currency: str
    price: Decimal
    floor: Decimal
    target_ratio: Decimal
    bottomline: Decimal

    @property
    def feasible(self) -> bool:
        return self.bottomline >= self.floor


def make_scenarios(count: int, seed: int) -> list[Scenario]:
    rng = random.Random(seed)
    scenarios = []
    for number in range(count):
        title_es, title_en, base = _ITEMS[number % len(_ITEMS)]
        language = "es" if number % 2 == 0 else "en"
        currency = "GBP" if language == "en" and number % 4 == 1 else "EUR"
        price = Decimal(base)
        floor = (price * rng.choice(FLOOR_RATIOS)).quantize(Decimal(1))
        target = TARGET_RATIOS[(number // 2) % len(TARGET_RATIOS)]
        if rng.random() < INFEASIBLE_SHARE:
            low = price * target
            bottomline = Decimal(rng.uniform(float(min(low, floor - 1)), float(floor - 1)))
        else:
            low = max(price * target, floor)
            bottomline = Decimal(rng.uniform(float(low), float(price)))
        scenarios.append(Scenario(number, title_es if language == "es" else title_en, language,
                                  currency, price, floor, target,
                                  bottomline.quantize(Decimal(1))))
    return scenarios
