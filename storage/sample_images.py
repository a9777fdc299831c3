"""Small real JPEG photos for the sample products, drawn with Pillow.

Each picture is a plain product card (a coloured backdrop, a shape, the title), enough for the
bot to send a real photo and for image code to read real width, height and format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from config.settings import PROJECT_ROOT

DEFAULT_MEDIA_ROOT = PROJECT_ROOT / ".data" / "media"
SAMPLE_SIZE = (640, 480)


@dataclass(frozen=True)
class StoredImage:
    storage_key: str  # relative to the media root: "<product id>/0.jpg"
    size_bytes: int
    width: int
    height: int
    format: str


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, int(channel * factor))) for channel in rgb)
    return (r, g, b)


def draw_product_card(title: str, colour: tuple[int, int, int]) -> Image.Image:
    width, height = SAMPLE_SIZE
    image = Image.new("RGB", SAMPLE_SIZE, _shade(colour, 1.25))
    draw = ImageDraw.Draw(image)
    # A vertical gradient reads as a photo backdrop and keeps the JPEG from being trivial.
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_shade(colour, 1.3 - 0.6 * y / height))
    draw.rounded_rectangle(
        [width * 0.2, height * 0.18, width * 0.8, height * 0.72], radius=28,
        fill=_shade(colour, 0.55), outline=(250, 250, 250), width=4,
    )
    draw.ellipse([width * 0.42, height * 0.32, width * 0.58, height * 0.54],
                 fill=(245, 245, 245))
    draw.rectangle([0, height * 0.82, width, height], fill=(30, 30, 30))
    draw.text((24, height * 0.86), title[:60], fill=(255, 255, 255))
    return image


def write_sample_photo(
    media_root: Path, product_id: str, title: str, colour: tuple[int, int, int]
) -> StoredImage:
    """Write `<media_root>/<product_id>/0.jpg` and describe it."""
    key = f"{product_id}/0.jpg"
    target = media_root / key
    target.parent.mkdir(parents=True, exist_ok=True)
    image = draw_product_card(title, colour)
    image.save(target, format="JPEG", quality=82)
    return StoredImage(
        storage_key=key, size_bytes=target.stat().st_size,
        width=image.width, height=image.height, format="jpeg",
    )
