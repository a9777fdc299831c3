"""Whether a seller's words name a kind of thing none of their products is.

"la cama a 100" from a seller of cameras names a bed: no product of theirs is one, so the
command must not fall back to the product in focus (it would price the camera). Words that
name no kind ("pause it please", "ya mismo") still leave the product in focus, and a kind the
product in focus is ("el móvil a 600" for an iPhone) still names it. Pure rules over the
category tree.
"""

from __future__ import annotations

from collections.abc import Iterable

from agents.categories import CategoryTree
from agents.product_matching import naming_words


def _related(tree: CategoryTree, a: str, b: str) -> bool:
    return a == b or a in {c.id for c in tree.path(b)} or b in {c.id for c in tree.path(a)}


def names_another_kind(text: str, products: Iterable[tuple[str | None, str]],
                       tree: CategoryTree | None = None) -> bool:
    """Whether `text` names a kind of product (a category of the tree) that none of the
    products, given as (category id, title), is, nor is under, nor contains (a product with
    no category is placed by its title)."""
    words = naming_words(text)
    if not words:
        return False
    tree = tree or CategoryTree.load()
    kind = tree.match(" ".join(words))
    if kind.strength <= 0 or kind.category_id == tree.fallback.id:
        return False
    return not any(_related(tree, kind.category_id, cid or tree.match(title).category_id)
                   for cid, title in products)
