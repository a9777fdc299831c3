"""audit entries timed by the clock, so changes within one transaction keep their order

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage/schema_sql.AUDIT_FUNCTION_SQL: at this revision, and before it.
AUDIT_FUNCTION = """\
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger AS $$
DECLARE
    before jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    after jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
    old_values jsonb;
    new_values jsonb;
    who text := COALESCE(NULLIF(current_setting('marketbot.actor', true), ''), 'system');
BEGIN
    SELECT jsonb_object_agg(col, before -> col) FILTER (WHERE before IS NOT NULL),
           jsonb_object_agg(col, after -> col) FILTER (WHERE after IS NOT NULL)
      INTO old_values, new_values
      FROM unnest(TG_ARGV) AS col
     WHERE TG_OP <> 'UPDATE' OR (before -> col) IS DISTINCT FROM (after -> col);
    IF TG_OP = 'UPDATE' AND old_values IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor,
                           changed_at)
    VALUES (TG_TABLE_NAME, COALESCE(NEW.id, OLD.id), TG_OP, old_values, new_values, who,
            clock_timestamp());
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;"""

PREVIOUS_AUDIT_FUNCTION = """\
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger AS $$
DECLARE
    before jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    after jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
    old_values jsonb;
    new_values jsonb;
    who text := COALESCE(NULLIF(current_setting('marketbot.actor', true), ''), 'system');
BEGIN
    SELECT jsonb_object_agg(col, before -> col) FILTER (WHERE before IS NOT NULL),
           jsonb_object_agg(col, after -> col) FILTER (WHERE after IS NOT NULL)
      INTO old_values, new_values
      FROM unnest(TG_ARGV) AS col
     WHERE TG_OP <> 'UPDATE' OR (before -> col) IS DISTINCT FROM (after -> col);
    IF TG_OP = 'UPDATE' AND old_values IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor)
    VALUES (TG_TABLE_NAME, COALESCE(NEW.id, OLD.id), TG_OP, old_values, new_values, who);
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;"""


def upgrade() -> None:
    op.execute(AUDIT_FUNCTION)


def downgrade() -> None:
    op.execute(PREVIOUS_AUDIT_FUNCTION)
