"""`db_manager.py rotate-key`: stored marketplace credentials re-encrypted under the newest key.

Rotation: put the new key first in CREDENTIALS_ENCRYPTION_KEYS (old keys after it), run this,
then drop the old keys. Until it ran, every configured key still decrypts what it encrypted.
"""

from __future__ import annotations

from rich.console import Console

from config.settings import Settings
from integrations.credentials_cipher import CredentialsCipher, CredentialsCipherError
from integrations.mercadolibre.key_rotation import rotate_credentials
from scripts.db_commands.schema import require_schema
from scripts.operator_cli import OperatorError, UsageError
from scripts.service_access import Services
from storage.database import create_session_factory


def cipher_from(settings: Settings) -> CredentialsCipher:
    keys = settings.marketplaces.credentials_keys
    if keys is None or not keys.get_secret_value().strip():
        raise UsageError("CREDENTIALS_ENCRYPTION_KEYS is not set: list the new key first, "
                         "then the old ones, comma separated")
    try:
        return CredentialsCipher.from_setting(keys.get_secret_value())
    except CredentialsCipherError as exc:
        raise UsageError(f"CREDENTIALS_ENCRYPTION_KEYS: {exc}") from None


async def rotate_key(services: Services, console: Console, settings: Settings) -> None:
    cipher = cipher_from(settings)
    await require_schema(services.engine)
    try:
        rows = await rotate_credentials(create_session_factory(services.engine), cipher)
    except CredentialsCipherError as exc:
        raise OperatorError(f"{exc}; keep the old key in CREDENTIALS_ENCRYPTION_KEYS and "
                            "run rotate-key again") from None
    noun = "row" if rows == 1 else "rows"
    console.print(f"re-encrypted {rows} credential {noun} under the newest key; the older keys "
                  "can now be removed from CREDENTIALS_ENCRYPTION_KEYS")
