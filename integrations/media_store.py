"""The stored photos: files under the media root, addressed by their storage key.

A key is the file's path relative to the media root (`<file unique id>.jpg` for a seller's
photo, `<product id>/0.jpg` for the sample set). Reads run in a thread; a missing file, or a key
that points outside the root, reads as None and is logged, never raised.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from storage.sample_images import DEFAULT_MEDIA_ROOT

log = structlog.get_logger(__name__)


class MediaStore:
    def __init__(self, root: Path = DEFAULT_MEDIA_ROOT) -> None:
        self.root = root

    def path_of(self, key: str) -> Path | None:
        path = (self.root / key).resolve()
        return path if path.is_relative_to(self.root.resolve()) else None

    async def read(self, key: str | None) -> bytes | None:
        path = self.path_of(key) if key else None
        if path is None:
            return None
        try:
            return await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            log.warning("media.read_failed", key=key, error=type(exc).__name__)
            return None
