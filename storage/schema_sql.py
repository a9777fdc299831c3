"""Database-side rules the ORM cannot express: the status trigger and the audit triggers.

Migrations carry a frozen copy of this SQL; `tests/storage/test_migrations.py` checks that the
functions in a migrated database still match these definitions.
"""

from __future__ import annotations

from storage.product_status import trigger_function_sql

# Columns whose changes are recorded in audit_log, per table (never secrets or tokens).
AUDITED_COLUMNS: dict[str, tuple[str, ...]] = {
    "products": ("status", "price", "min_price", "title", "description", "sold_price"),
    "offers": ("status", "amount"),
    "sellers": ("floor_ratio", "negotiation", "is_active"),
    "buyers": ("is_blocked", "trust_score"),
    "marketplace_credentials": ("is_valid",),
}

# clock_timestamp(), not now(): now() is the transaction's start, the same for every change
# a transaction makes, which would leave their order in the log undefined.
AUDIT_FUNCTION_SQL = """\
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


def create_statements() -> list[str]:
    statements = [
        trigger_function_sql(),
        "CREATE TRIGGER products_status_transition BEFORE UPDATE OF status ON products "
        "FOR EACH ROW EXECUTE FUNCTION check_product_status_transition();",
        AUDIT_FUNCTION_SQL,
    ]
    for table, columns in AUDITED_COLUMNS.items():
        args = ", ".join(f"'{c}'" for c in columns)
        statements.append(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_row_change({args});"
        )
    return statements


def drop_statements() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {t}_audit ON {t};" for t in AUDITED_COLUMNS]
    statements += [
        "DROP FUNCTION IF EXISTS audit_row_change();",
        "DROP TRIGGER IF EXISTS products_status_transition ON products;",
        "DROP FUNCTION IF EXISTS check_product_status_transition();",
    ]
    return statements
