"""Photos for replayed turns: a generated JPEG of a given size, or a file next to the transcript."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from bot.devtools.replay.transcript import GeneratedPhoto


def generated_jpeg(width: int, height: int) -> bytes:
    """A JPEG of `width` x `height`: a plain background with a few shapes (a plausible photo
    to the bot; the same size always gives the same bytes)."""
    image = Image.new("RGB", (width, height), (214, 222, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 8, height // 4, width * 7 // 8, height * 3 // 4),
                   fill=(40, 90, 160))
    draw.ellipse((width // 4, height // 3, width // 2, height * 2 // 3), fill=(230, 180, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def photo_bytes(photo: str | GeneratedPhoto, transcript_path: Path) -> bytes:
    """The bytes a `photo:` key stands for: a path relative to the transcript, or a size."""
    if isinstance(photo, str):
        return (transcript_path.parent / photo).read_bytes()
    return generated_jpeg(photo.width, photo.height)
