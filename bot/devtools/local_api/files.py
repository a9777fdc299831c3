"""Files known to the local server: bytes by file_id, paths for getFile and downloads, and the
PhotoSize ladder Telegram builds for every photo (read with Pillow when it is installed)."""

from __future__ import annotations

import hashlib
import io
import mimetypes
from dataclasses import dataclass
from typing import Any

try:  # Pillow is a project dependency, but the server must not need it to run
    from PIL import Image
except ImportError:  # pragma: no cover - exercised only without Pillow
    Image = None  # type: ignore[assignment]

DEFAULT_PHOTO_SIZE = (800, 600)
# Telegram keeps the photo in a few sizes; the side lengths of its usual ladder
_PHOTO_LADDER = (90, 320, 800, 1280)


@dataclass
class StoredFile:
    """One file: what getFile returns and what a download serves."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def as_file(self) -> dict[str, Any]:
        """The Bot API File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }

    def as_photo_size(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "width": self.width or DEFAULT_PHOTO_SIZE[0],
            "height": self.height or DEFAULT_PHOTO_SIZE[1],
        }


class FileStore:
    """file_id -> StoredFile. The counter survives `clear` so ids are never reused."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._ladders: dict[str, list[StoredFile]] = {}
        self._counter = 0

    def clear(self) -> None:
        self._by_id.clear()
        self._by_path.clear()
        self._ladders.clear()

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        """Store bytes as a new file of `kind` (photos, documents, stickers, voice)."""
        self._counter += 1
        digest = hashlib.sha256(data).hexdigest()
        mime = mime_type or (mimetypes.guess_type(file_name)[0] if file_name else None)
        mime = mime or "application/octet-stream"
        extension = _extension(file_name, mime)
        # Looks like Telegram's ids (opaque, URL-safe), but readable when debugging
        file_id = f"{_PREFIX.get(kind, 'BQAC')}AgADLocal{self._counter:06d}{digest[:12]}"
        unique_id = f"AQAD{digest[:16]}{kind[:2]}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            file_path=f"{kind}/file_{self._counter}{extension}",
            data=data,
            mime_type=mime,
            file_name=file_name,
            width=width,
            height=height,
        )
        self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def add_photo(self, data: bytes) -> list[StoredFile]:
        """Store a photo and its smaller copies; returns them smallest first (like PhotoSize[])."""
        image = _open_image(data)
        if image is None:
            width, height = DEFAULT_PHOTO_SIZE
            return [
                self.add(data, kind="photos", mime_type="image/jpeg", width=width, height=height)
            ]
        width, height = image.size
        sizes: list[StoredFile] = []
        for side in _PHOTO_LADDER:
            if side >= max(width, height):
                break
            scale = side / max(width, height)
            small = image.convert("RGB").resize(
                (max(1, round(width * scale)), max(1, round(height * scale)))
            )
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=80)
            sizes.append(
                self.add(
                    buffer.getvalue(),
                    kind="photos",
                    mime_type="image/jpeg",
                    width=small.size[0],
                    height=small.size[1],
                )
            )
        mime = Image.MIME.get(image.format or "", "image/jpeg")
        sizes.append(self.add(data, kind="photos", mime_type=mime, width=width, height=height))
        for size in sizes:
            self._ladders[size.file_id] = sizes
        return sizes

    def photo_ladder(self, stored: StoredFile) -> list[StoredFile]:
        """All sizes stored with `stored` (a photo re-sent by file_id keeps its ladder)."""
        return self._ladders.get(stored.file_id, [stored])


_PREFIX = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC", "voice": "AwAC"}


def _extension(file_name: str | None, mime: str) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    return mimetypes.guess_extension(mime) or ""


def _open_image(data: bytes) -> Any:
    if Image is None:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:  # any undecodable input: Telegram would still store it as a file
        return None
    return image
