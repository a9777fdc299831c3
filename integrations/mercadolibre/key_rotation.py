"""Re-encrypting every stored marketplace credential under the newest key (`rotate-key`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.credentials_cipher import CredentialsCipher
from storage.database import unit_of_work
from storage.models import MarketplaceCredential


async def rotate_credentials(factory: async_sessionmaker[AsyncSession],
                             cipher: CredentialsCipher) -> int:
    """Re-encrypt every stored credential under the cipher's newest key; returns rows changed.

    One transaction, rows locked: a token refreshed meanwhile waits and is written afterwards
    under whichever key, both of which the cipher still reads.
    """
    columns = ("client_secret_encrypted", "access_token_encrypted", "refresh_token_encrypted")
    changed = 0
    async with unit_of_work(factory, actor="operator:rotate-key") as session:
        rows = (await session.scalars(select(MarketplaceCredential).with_for_update())).all()
        for row in rows:
            for column in columns:
                value = getattr(row, column)
                if value:
                    setattr(row, column, cipher.rotate(value))
            changed += 1
    return changed
