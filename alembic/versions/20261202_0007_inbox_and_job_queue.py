"""raw inbox of updates, messages' delivery error, and the job queue's schema (procrastinate)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:40:00.000000

The job queue's tables and functions are procrastinate's own schema (its installer's SQL, from
the installed version), kept in a PostgreSQL schema of their own, `procrastinate`, so they stay
apart from the models'. A later procrastinate release brings its SQL migrations
(procrastinate/sql/migrations); they are applied by a new revision here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_SCHEMA = "procrastinate"


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("channel", postgresql.ENUM("telegram", "mercadolibre", name="channel",
                                             create_type=False), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_updates")),
        sa.UniqueConstraint("channel", "external_id",
                            name=op.f("uq_inbox_updates_channel_external_id")),
    )
    op.create_index("ix_inbox_updates_pending", "inbox_updates", ["received_at"], unique=False,
                    postgresql_where=sa.text("handled_at IS NULL"))
    op.add_column("messages", sa.Column("delivery_error", sa.Text(), nullable=True))
    from procrastinate.schema import SchemaManager

    op.execute(f"CREATE SCHEMA {JOB_SCHEMA}")
    op.execute(f"SET LOCAL search_path TO {JOB_SCHEMA}")
    # Several statements in one script: asyncpg runs those only outside a prepared statement.
    driver = op.get_bind().connection.dbapi_connection
    driver.run_async(lambda connection: connection.execute(SchemaManager.get_schema()))
    op.execute("SET LOCAL search_path TO public")


def downgrade() -> None:
    op.execute(f"DROP SCHEMA {JOB_SCHEMA} CASCADE")
    op.drop_column("messages", "delivery_error")
    op.drop_index("ix_inbox_updates_pending", table_name="inbox_updates",
                  postgresql_where=sa.text("handled_at IS NULL"))
    op.drop_table("inbox_updates")
