"""Encryption at rest for marketplace credentials (access and refresh tokens, app secrets).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with several keys through MultiFernet:
the first key encrypts, every key decrypts, so a key is rotated by putting the new one first,
re-encrypting stored values with `rotate`, then dropping the old key. Errors and reprs never carry
a key, a token or a plaintext: they end up in logs.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialsCipherError(Exception):
    """A key is malformed, or a stored value cannot be decrypted with the configured keys."""


class CredentialsCipher:
    """Encrypts and decrypts credential strings with a list of Fernet keys, newest first."""

    def __init__(self, keys: Sequence[str]) -> None:
        if isinstance(keys, str):
            raise CredentialsCipherError("keys must be a list of keys, not one string")
        if not keys:
            raise CredentialsCipherError("at least one encryption key is needed")
        fernets = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip()))
            except (ValueError, TypeError):
                # Never echo the key: it is a secret even when malformed.
                raise CredentialsCipherError(
                    f"encryption key #{number} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes; make one with generate_key())"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._key_count = len(fernets)

    @classmethod
    def from_setting(cls, value: str) -> CredentialsCipher:
        """From the comma-separated setting `CREDENTIALS_ENCRYPTION_KEYS` (newest first)."""
        return cls([key for key in value.split(",") if key.strip()])

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise CredentialsCipherError(
                "cannot decrypt a stored credential: it was encrypted with a key that is not "
                "configured, or it is corrupted"
            ) from None

    def rotate(self, token: str) -> str:
        """The same plaintext encrypted under the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise CredentialsCipherError(
                "cannot rotate a stored credential: it was encrypted with a key that is not "
                "configured, or it is corrupted"
            ) from None

    def __repr__(self) -> str:
        return f"CredentialsCipher(keys={self._key_count})"
