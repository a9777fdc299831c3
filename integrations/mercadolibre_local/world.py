"""The local MercadoLibre's state: users and their tokens, categories, items, questions.

Plain data the routes read and change; the categories are a small sample of MercadoLibre's, one
set per site (a category id starts with its site's id, as MercadoLibre's do).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class MlUser:
    id: int
    site_id: str = "MLA"
    nickname: str = "TESTUSER"
    tags: list[str] = field(default_factory=lambda: ["normal"])
    tokens: set[str] = field(default_factory=set)

    def me(self) -> dict[str, Any]:
        country = {"MLA": "AR", "MLB": "BR", "MLM": "MX", "MLC": "CL", "MCO": "CO",
                   "MLU": "UY", "MPE": "PE", "MEC": "EC", "MLV": "VE"}.get(self.site_id, "")
        return {"id": self.id, "nickname": self.nickname, "site_id": self.site_id,
                "country_id": country, "tags": list(self.tags),
                "user_type": "normal", "email": f"{self.nickname.lower()}@example.org"}


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    domain_id: str
    words: tuple[str, ...]  # title words that predict it
    attributes: tuple[dict[str, Any], ...] = ()
    usd_allowed: bool = False  # MercadoLibre takes USD only in some categories


def _bike_attributes() -> tuple[dict[str, Any], ...]:
    return (
        {"id": "BRAND", "name": "Marca", "tags": {"required": True, "catalog_required": True},
         "value_type": "string"},
        {"id": "MODEL", "name": "Modelo", "tags": {"required": True}, "value_type": "string"},
        {"id": "BICYCLE_TYPE", "name": "Tipo de bicicleta", "tags": {"catalog_required": True},
         "value_type": "list"},
        {"id": "ITEM_CONDITION", "name": "Condición del ítem",
         "tags": {"read_only": True, "required": True}, "value_type": "list"},
    )


def sample_categories() -> dict[str, Category]:
    found: list[Category] = []
    for site, bikes, phones, homes in (("MLA", "MLA1292", "MLA1055", "MLA1472"),
                                       ("MLB", "MLB1292", "MLB1055", "MLB1472"),
                                       ("MLM", "MLM1292", "MLM1055", "MLM1472")):
        found += [
            Category(bikes, "Bicicletas", f"{site}-BICYCLES", ("bici", "bicicleta", "bike"),
                     _bike_attributes()),
            Category(phones, "Celulares y Smartphones", f"{site}-CELLPHONES",
                     ("iphone", "celular", "phone", "samsung", "móvil", "movil"),
                     ({"id": "BRAND", "name": "Marca", "tags": {"required": True},
                       "value_type": "string"},)),
            Category(homes, "Departamentos", f"{site}-APARTMENTS", ("departamento", "casa"),
                     (), usd_allowed=True),
        ]
    return {category.id: category for category in found}


@dataclass
class World:
    users: dict[int, MlUser] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=sample_categories)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    questions: dict[int, dict[str, Any]] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)  # OAuth code -> user id
    refresh_tokens: dict[str, int] = field(default_factory=dict)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1136716168))

    def user_of(self, token: str | None) -> MlUser | None:
        return next((u for u in self.users.values() if token and token in u.tokens), None)

    def new_item_id(self, site_id: str) -> str:
        return f"{site_id}{next(self._numbers)}"

    def predict(self, site_id: str, title: str) -> Category | None:
        words = title.casefold().split()
        for category in self.categories.values():
            if category.id.startswith(site_id) and any(w in words for w in category.words):
                return category
        return None

    def add_question(self, item_id: str, text: str, *, buyer: int = 1200445566) -> int:
        number = 800 + len(self.questions) + 1
        item = self.items.get(item_id) or {}
        self.questions[number] = {
            "id": number, "item_id": item_id, "seller_id": item.get("seller_id"),
            "status": "UNANSWERED", "text": text, "tags": [], "answer": None,
            "date_created": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "deleted_from_listing": False, "hold": False, "from": {"id": buyer}}
        return number
