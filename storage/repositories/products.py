"""Products with their images and listing versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Listing, Product, ProductImage, ProductStatus


async def get(session: AsyncSession, product_id: uuid.UUID, *, lock: bool = False
              ) -> Product | None:
    query = select(Product).where(Product.id == product_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_owned(
    session: AsyncSession, seller_id: uuid.UUID, product_id: uuid.UUID, *, lock: bool = False
) -> Product | None:
    """A product only if this seller owns it: ownership is part of the query, not a check after."""
    query = select(Product).where(Product.id == product_id, Product.seller_id == seller_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def by_public_ref(session: AsyncSession, public_ref: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.public_ref == public_ref))


async def latest_for_seller(session: AsyncSession, seller_id: uuid.UUID) -> Product | None:
    """The seller's product in focus: the one created or changed last."""
    return await session.scalar(
        select(Product)
        .where(Product.seller_id == seller_id)
        .order_by(Product.updated_at.desc(), Product.created_at.desc())
        .limit(1)
    )


async def recent_for_seller(session: AsyncSession, seller_id: uuid.UUID, limit: int
                            ) -> Sequence[Product]:
    """The seller's products acted on most recently first (the first is the one in focus)."""
    return (await session.scalars(
        select(Product).where(Product.seller_id == seller_id)
        .order_by(Product.updated_at.desc(), Product.created_at.desc()).limit(limit))).all()


async def list_for_seller(
    session: AsyncSession, seller_id: uuid.UUID, status: ProductStatus | None = None,
    limit: int = 30,
) -> Sequence[Product]:
    query = select(Product).where(Product.seller_id == seller_id)
    if status is not None:
        query = query.where(Product.status == status)
    return (await session.scalars(query.order_by(Product.created_at.desc()).limit(limit))).all()


async def search_candidates(
    session: AsyncSession, *, max_price: float | None = None, limit: int = 300
) -> Sequence[Product]:
    """Products a buyer's search may find, on sale first, then reserved and sold ones (the
    results say so), newest listed first; which of them the words name is decided in
    agents/search_matching.py (whole words, accents folded: no SQL substring)."""
    query = select(Product).where(Product.status.in_([ProductStatus.PUBLISHED,
                                                      ProductStatus.RESERVED,
                                                      ProductStatus.SOLD]))
    if max_price is not None:
        query = query.where(Product.price <= max_price)
    on_sale_first = case((Product.status == ProductStatus.PUBLISHED, 0), else_=1)
    return (await session.scalars(query.order_by(on_sale_first,
                                                 Product.listed_at.desc().nullslast())
                                  .limit(limit))).all()


async def touch(session: AsyncSession, product: Product) -> None:
    """Mark the product as acted on (it becomes the seller's product in focus)."""
    await session.execute(
        update(Product).where(Product.id == product.id).values(updated_at=func.clock_timestamp())
    )


async def add_image(session: AsyncSession, product: Product, image: ProductImage) -> None:
    has_primary = await session.scalar(
        select(func.count()).select_from(ProductImage)
        .where(ProductImage.product_id == product.id, ProductImage.is_primary)
    )
    image.product_id = product.id
    image.is_primary = not has_primary
    session.add(image)
    await session.flush()


async def image_count(session: AsyncSession, product_id: uuid.UUID) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(ProductImage).where(ProductImage.product_id == product_id)
    ) or 0)


async def images_of(session: AsyncSession, product_id: uuid.UUID) -> list[ProductImage]:
    """The product's photos, primary first."""
    return list((await session.scalars(
        select(ProductImage).where(ProductImage.product_id == product_id)
        .order_by(ProductImage.is_primary.desc(), ProductImage.position))).all())


async def active_listing(session: AsyncSession, product_id: uuid.UUID) -> Listing | None:
    return await session.scalar(
        select(Listing).where(Listing.product_id == product_id, Listing.is_active)
    )


async def listing_version(
    session: AsyncSession, product_id: uuid.UUID, version: int
) -> Listing | None:
    return await session.scalar(
        select(Listing).where(Listing.product_id == product_id, Listing.version == version)
    )


async def add_listing_version(session: AsyncSession, listing: Listing) -> Listing:
    """Store a new version and make it the only active one."""
    current = await session.scalar(
        select(func.max(Listing.version)).where(Listing.product_id == listing.product_id)
    )
    listing.version = (current or 0) + 1
    await activate_listing(session, listing.product_id, None)
    listing.is_active = True
    session.add(listing)
    await session.flush()
    return listing


async def activate_listing(
    session: AsyncSession, product_id: uuid.UUID, listing: Listing | None
) -> None:
    # Deactivate first: the partial unique index allows one active version at any moment.
    await session.execute(
        update(Listing).where(Listing.product_id == product_id, Listing.is_active)
        .values(is_active=False)
    )
    if listing is not None:
        await session.execute(update(Listing).where(Listing.id == listing.id)
                              .values(is_active=True))
        listing.is_active = True
