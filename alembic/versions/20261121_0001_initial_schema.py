"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 22:53:59.370693
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of storage/schema_sql.py at this revision (triggers and their functions).

SCHEMA_RULES = [
    """\
CREATE OR REPLACE FUNCTION check_product_status_transition() RETURNS trigger AS $$
BEGIN
    IF OLD.status = NEW.status THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'draft' AND NEW.status::text NOT IN ('failed', 'inactive', 'processing') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'processing' AND NEW.status::text NOT IN ('failed', 'ready') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'ready' AND NEW.status::text NOT IN ('failed', 'inactive', 'processing', 'publishing') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'publishing' AND NEW.status::text NOT IN ('failed', 'published') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'published' AND NEW.status::text NOT IN ('inactive', 'reserved', 'sold') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'reserved' AND NEW.status::text NOT IN ('inactive', 'published', 'sold') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'sold' THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'inactive' AND NEW.status::text NOT IN ('processing', 'published', 'ready', 'sold') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'failed' AND NEW.status::text NOT IN ('inactive', 'processing', 'publishing', 'ready') THEN
        RAISE EXCEPTION 'forbidden product status transition: % -> %', OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""",
    """\
CREATE TRIGGER products_status_transition BEFORE UPDATE OF status ON products FOR EACH ROW EXECUTE FUNCTION check_product_status_transition();""",
    """\
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
$$ LANGUAGE plpgsql;""",
    """\
CREATE TRIGGER products_audit AFTER INSERT OR UPDATE OR DELETE ON products FOR EACH ROW EXECUTE FUNCTION audit_row_change('status', 'price', 'min_price', 'title', 'description', 'sold_price');""",
    """\
CREATE TRIGGER offers_audit AFTER INSERT OR UPDATE OR DELETE ON offers FOR EACH ROW EXECUTE FUNCTION audit_row_change('status', 'amount');""",
    """\
CREATE TRIGGER sellers_audit AFTER INSERT OR UPDATE OR DELETE ON sellers FOR EACH ROW EXECUTE FUNCTION audit_row_change('floor_ratio', 'negotiation', 'is_active');""",
    """\
CREATE TRIGGER buyers_audit AFTER INSERT OR UPDATE OR DELETE ON buyers FOR EACH ROW EXECUTE FUNCTION audit_row_change('is_blocked', 'trust_score');""",
    """\
CREATE TRIGGER marketplace_credentials_audit AFTER INSERT OR UPDATE OR DELETE ON marketplace_credentials FOR EACH ROW EXECUTE FUNCTION audit_row_change('is_valid');""",
]

DROP_SCHEMA_RULES = [
    "DROP TRIGGER IF EXISTS products_audit ON products;",
    "DROP TRIGGER IF EXISTS offers_audit ON offers;",
    "DROP TRIGGER IF EXISTS sellers_audit ON sellers;",
    "DROP TRIGGER IF EXISTS buyers_audit ON buyers;",
    "DROP TRIGGER IF EXISTS marketplace_credentials_audit ON marketplace_credentials;",
    "DROP FUNCTION IF EXISTS audit_row_change();",
    "DROP TRIGGER IF EXISTS products_status_transition ON products;",
    "DROP FUNCTION IF EXISTS check_product_status_transition();",
]

ENUM_TYPES = [
    "actor_kind",
    "channel",
    "conversation_kind",
    "conversation_state",
    "conversation_status",
    "item_condition",
    "marketplace",
    "message_author",
    "message_direction",
    "message_type",
    "offer_party",
    "offer_status",
    "product_status",
]


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "audit_log",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.UUID(), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("old_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("actor", sa.String(length=120), server_default="system", nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(
            "operation IN ('INSERT', 'UPDATE', 'DELETE')", name=op.f("ck_audit_log_operation_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_changed_at", "audit_log", ["changed_at"], unique=False)
    op.create_index(
        "ix_audit_log_table_name_row_id", "audit_log", ["table_name", "row_id"], unique=False
    )
    op.create_table(
        "buyers",
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("marketplace", sa.String(length=30), nullable=True),
        sa.Column("marketplace_user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=5), server_default="es", nullable=False),
        sa.Column("is_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_blocked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "trust_score",
            sa.Numeric(precision=3, scale=2),
            server_default=sa.text("0.5"),
            nullable=False,
        ),
        sa.Column("conversation_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("purchase_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "profile",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "conversation_count >= 0", name=op.f("ck_buyers_conversation_count_positive")
        ),
        sa.CheckConstraint("purchase_count >= 0", name=op.f("ck_buyers_purchase_count_positive")),
        sa.CheckConstraint(
            "telegram_id IS NOT NULL OR marketplace_user_id IS NOT NULL",
            name=op.f("ck_buyers_has_identity"),
        ),
        sa.CheckConstraint(
            "trust_score >= 0 AND trust_score <= 1", name=op.f("ck_buyers_trust_score_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyers")),
        sa.UniqueConstraint(
            "marketplace",
            "marketplace_user_id",
            name=op.f("uq_buyers_marketplace_marketplace_user_id"),
        ),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_buyers_telegram_id")),
    )
    op.create_index(
        "ix_buyers_profile", "buyers", ["profile"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "sellers",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=5), server_default="es", nullable=False),
        sa.Column(
            "floor_ratio",
            sa.Numeric(precision=4, scale=3),
            server_default=sa.text("0.85"),
            nullable=False,
        ),
        sa.Column(
            "negotiation",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("language IN ('es', 'en')", name=op.f("ck_sellers_language_supported")),
        sa.CheckConstraint(
            "floor_ratio > 0 AND floor_ratio <= 1", name=op.f("ck_sellers_floor_ratio_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_sellers_telegram_id")),
    )
    op.create_table(
        "bot_sessions",
        sa.Column("actor_kind", sa.Enum("seller", "buyer", name="actor_kind"), nullable=False),
        sa.Column("seller_id", sa.UUID(), nullable=True),
        sa.Column("buyer_id", sa.UUID(), nullable=True),
        sa.Column("channel", sa.Enum("telegram", "mercadolibre", name="channel"), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "state",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(
            "(actor_kind = 'seller' AND seller_id IS NOT NULL AND buyer_id IS NULL) OR (actor_kind = 'buyer' AND buyer_id IS NOT NULL AND seller_id IS NULL)",
            name=op.f("ck_bot_sessions_actor_matches_kind"),
        ),
        sa.CheckConstraint(
            "expires_at >= started_at", name=op.f("ck_bot_sessions_expires_after_start")
        ),
        sa.CheckConstraint(
            "message_count >= 0", name=op.f("ck_bot_sessions_message_count_positive")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyers.id"],
            name=op.f("fk_bot_sessions_buyer_id_buyers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_bot_sessions_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_sessions")),
    )
    op.create_index(op.f("ix_bot_sessions_buyer_id"), "bot_sessions", ["buyer_id"], unique=False)
    op.create_index(
        "ix_bot_sessions_last_activity_at", "bot_sessions", ["last_activity_at"], unique=False
    )
    op.create_index(op.f("ix_bot_sessions_seller_id"), "bot_sessions", ["seller_id"], unique=False)
    op.create_table(
        "marketplace_credentials",
        sa.Column("seller_id", sa.UUID(), nullable=False),
        sa.Column(
            "marketplace", sa.Enum("catalog", "mercadolibre", name="marketplace"), nullable=False
        ),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_encrypted", sa.Text(), nullable=True),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=True),
        sa.Column("token_type", sa.String(length=20), server_default="bearer", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scopes", sa.Text(), server_default="offline_access read write", nullable=False),
        sa.Column("external_user_id", sa.String(length=64), nullable=True),
        sa.Column("nickname", sa.String(length=100), nullable=True),
        sa.Column("site_id", sa.String(length=3), server_default="MLA", nullable=False),
        sa.Column("is_valid", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validation_error", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "app_id <> ''", name=op.f("ck_marketplace_credentials_app_id_not_empty")
        ),
        sa.CheckConstraint(
            "token_type = 'bearer'", name=op.f("ck_marketplace_credentials_token_type_bearer")
        ),
        sa.CheckConstraint(
            "refresh_expires_at IS NULL OR expires_at IS NULL OR refresh_expires_at >= expires_at",
            name=op.f("ck_marketplace_credentials_refresh_outlives_access"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_marketplace_credentials_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_credentials")),
        sa.UniqueConstraint(
            "seller_id",
            "marketplace",
            name=op.f("uq_marketplace_credentials_seller_id_marketplace"),
        ),
    )
    op.create_index(
        "ix_marketplace_credentials_expires_at",
        "marketplace_credentials",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("is_valid"),
    )
    op.create_table(
        "products",
        sa.Column("seller_id", sa.UUID(), nullable=False),
        sa.Column("public_ref", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "processing",
                "ready",
                "publishing",
                "published",
                "reserved",
                "sold",
                "inactive",
                "failed",
                name="product_status",
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("prompt_text", sa.Text(), server_default="", nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category_id", sa.String(length=40), nullable=True),
        sa.Column("category_name", sa.String(length=200), nullable=True),
        sa.Column(
            "condition",
            sa.Enum("new", "used", "not_specified", name="item_condition"),
            server_default="not_specified",
            nullable=False,
        ),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("min_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("processing_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processing_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processing_error", sa.Text(), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sold_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("views_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_products_currency_code")),
        sa.CheckConstraint(
            "char_length(prompt_text) <= 4000", name=op.f("ck_products_prompt_text_length")
        ),
        sa.CheckConstraint(
            "min_price IS NULL OR (price IS NOT NULL AND min_price > 0 AND min_price <= price)",
            name=op.f("ck_products_min_price_within_price"),
        ),
        sa.CheckConstraint("price IS NULL OR price > 0", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint(
            "processing_completed_at IS NULL OR processing_started_at IS NULL OR processing_completed_at >= processing_started_at",
            name=op.f("ck_products_processing_time_order"),
        ),
        sa.CheckConstraint(
            "sold_price IS NULL OR sold_price > 0", name=op.f("ck_products_sold_price_positive")
        ),
        sa.CheckConstraint(
            "title IS NULL OR char_length(btrim(title)) BETWEEN 1 AND 120",
            name=op.f("ck_products_title_length"),
        ),
        sa.CheckConstraint("views_count >= 0", name=op.f("ck_products_views_count_positive")),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_products_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("public_ref", name=op.f("uq_products_public_ref")),
    )
    op.create_index(
        "ix_products_attributes", "products", ["attributes"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_products_seller_id"), "products", ["seller_id"], unique=False)
    op.create_index(
        "ix_products_seller_id_status", "products", ["seller_id", "status"], unique=False
    )
    op.create_index(op.f("ix_products_status"), "products", ["status"], unique=False)
    op.create_table(
        "conversations",
        sa.Column("channel", sa.Enum("telegram", "mercadolibre", name="channel"), nullable=False),
        sa.Column("external_chat_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("seller_assistant", "buyer_chat", name="conversation_kind"),
            nullable=False,
        ),
        sa.Column("product_id", sa.UUID(), nullable=True),
        sa.Column("buyer_id", sa.UUID(), nullable=True),
        sa.Column("seller_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "completed",
                "cancelled",
                "blocked",
                "archived",
                name="conversation_status",
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "new",
                "exploring",
                "negotiating",
                "committed",
                "coordinating",
                "closed",
                "abandoned",
                name="conversation_state",
            ),
            server_default="new",
            nullable=False,
        ),
        sa.Column("message_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("negotiated_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("meeting_place", sa.Text(), nullable=True),
        sa.Column("meeting_time", sa.Text(), nullable=True),
        sa.Column("detected_intent", sa.String(length=40), nullable=True),
        sa.Column("sentiment", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("human_takeover", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("flagged", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "fraud_signals",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind <> 'buyer_chat' OR buyer_id IS NOT NULL",
            name=op.f("ck_conversations_buyer_chat_has_buyer"),
        ),
        sa.CheckConstraint(
            "kind <> 'seller_assistant' OR seller_id IS NOT NULL",
            name=op.f("ck_conversations_assistant_has_seller"),
        ),
        sa.CheckConstraint(
            "message_count >= 0", name=op.f("ck_conversations_message_count_positive")
        ),
        sa.CheckConstraint(
            "negotiated_price IS NULL OR negotiated_price > 0",
            name=op.f("ck_conversations_negotiated_price_positive"),
        ),
        sa.CheckConstraint(
            "sentiment IS NULL OR (sentiment >= -1 AND sentiment <= 1)",
            name=op.f("ck_conversations_sentiment_range"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyers.id"],
            name=op.f("fk_conversations_buyer_id_buyers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_conversations_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_conversations_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "channel",
            "external_chat_id",
            "kind",
            "product_id",
            name=op.f("uq_conversations_channel_external_chat_id_kind_product_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_conversations_buyer_id"), "conversations", ["buyer_id"], unique=False)
    op.create_index(
        "ix_conversations_fraud_signals",
        "conversations",
        ["fraud_signals"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_conversations_product_id"), "conversations", ["product_id"], unique=False
    )
    op.create_index(
        op.f("ix_conversations_seller_id"), "conversations", ["seller_id"], unique=False
    )
    op.create_index(
        "ix_conversations_status_last_message_at",
        "conversations",
        ["status", "last_message_at"],
        unique=False,
    )
    op.create_table(
        "listings",
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.String(length=40), nullable=True),
        sa.Column("category_name", sa.String(length=200), nullable=True),
        sa.Column(
            "condition",
            sa.Enum("new", "used", "not_specified", name="item_condition"),
            server_default="not_specified",
            nullable=False,
        ),
        sa.Column("suggested_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "confidence",
            sa.Numeric(precision=3, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "confidence_breakdown",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("generation_ms", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(
            "char_length(btrim(description)) >= 50", name=op.f("ck_listings_description_length")
        ),
        sa.CheckConstraint(
            "char_length(btrim(title)) BETWEEN 10 AND 60", name=op.f("ck_listings_title_length")
        ),
        sa.CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name=op.f("ck_listings_confidence_range")
        ),
        sa.CheckConstraint(
            "generation_ms IS NULL OR generation_ms >= 0",
            name=op.f("ck_listings_generation_ms_positive"),
        ),
        sa.CheckConstraint(
            "suggested_price IS NULL OR suggested_price > 0",
            name=op.f("ck_listings_suggested_price_positive"),
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_listings_version_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_listings_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_listings_product_id_version")),
    )
    op.create_index(
        "ix_listings_attributes", "listings", ["attributes"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_listings_confidence_breakdown",
        "listings",
        ["confidence_breakdown"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(op.f("ix_listings_product_id"), "listings", ["product_id"], unique=False)
    op.create_index(
        "uq_listings_one_active",
        "listings",
        ["product_id"],
        unique=True,
        postgresql_where=sa.text("is_active"),
    )
    op.create_table(
        "product_images",
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("telegram_file_id", sa.Text(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column(
            "processing_metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(
            "format IS NULL OR format IN ('jpg', 'jpeg', 'png', 'webp', 'gif')",
            name=op.f("ck_product_images_format_supported"),
        ),
        sa.CheckConstraint(
            "height IS NULL OR height > 0", name=op.f("ck_product_images_height_positive")
        ),
        sa.CheckConstraint(
            "size_bytes IS NULL OR size_bytes > 0", name=op.f("ck_product_images_size_positive")
        ),
        sa.CheckConstraint(
            "storage_key IS NOT NULL OR telegram_file_id IS NOT NULL",
            name=op.f("ck_product_images_has_source"),
        ),
        sa.CheckConstraint(
            "width IS NULL OR width > 0", name=op.f("ck_product_images_width_positive")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_images_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
    )
    op.create_index(
        "ix_product_images_processing_metadata",
        "product_images",
        ["processing_metadata"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_product_images_product_id"), "product_images", ["product_id"], unique=False
    )
    op.create_index(
        "uq_product_images_one_primary",
        "product_images",
        ["product_id"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
    )
    op.create_table(
        "publications",
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column(
            "marketplace", sa.Enum("catalog", "mercadolibre", name="marketplace"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("external_status", sa.String(length=30), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=80), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_publications_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint(
            "product_id", "marketplace", name=op.f("uq_publications_product_id_marketplace")
        ),
    )
    op.create_index(
        op.f("ix_publications_external_id"), "publications", ["external_id"], unique=False
    )
    op.create_index(
        op.f("ix_publications_product_id"), "publications", ["product_id"], unique=False
    )
    op.create_table(
        "messages",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("channel", sa.Enum("telegram", "mercadolibre", name="channel"), nullable=False),
        sa.Column(
            "direction", sa.Enum("inbound", "outbound", name="message_direction"), nullable=False
        ),
        sa.Column(
            "author",
            sa.Enum("buyer", "seller", "bot", "system", name="message_author"),
            nullable=False,
        ),
        sa.Column("external_message_id", sa.String(length=128), nullable=True),
        sa.Column("reply_to_id", sa.UUID(), nullable=True),
        sa.Column(
            "message_type",
            sa.Enum(
                "text",
                "command",
                "photo",
                "callback",
                "sticker",
                "voice",
                "document",
                "notification",
                "system",
                name="message_type",
            ),
            server_default="text",
            nullable=False,
        ),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=True),
        sa.Column(
            "entities",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "buttons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "tool_calls",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint(
            "input_tokens IS NULL OR input_tokens >= 0",
            name=op.f("ck_messages_input_tokens_positive"),
        ),
        sa.CheckConstraint(
            "latency_ms IS NULL OR latency_ms >= 0", name=op.f("ck_messages_latency_positive")
        ),
        sa.CheckConstraint(
            "output_tokens IS NULL OR output_tokens >= 0",
            name=op.f("ck_messages_output_tokens_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["messages.id"],
            name=op.f("fk_messages_reply_to_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "channel", "external_message_id", name=op.f("uq_messages_channel_external_message_id")
        ),
        sa.UniqueConstraint("seq", name=op.f("uq_messages_seq")),
    )
    op.create_index(
        "ix_messages_conversation_id_seq", "messages", ["conversation_id", "seq"], unique=False
    )
    op.create_index(
        "ix_messages_entities", "messages", ["entities"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_messages_undelivered",
        "messages",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("direction = 'outbound' AND delivered_at IS NULL"),
    )
    op.create_index(
        "ix_messages_unprocessed",
        "messages",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("direction = 'inbound' AND processed_at IS NULL"),
    )
    op.create_table(
        "offers",
        sa.Column("conversation_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("buyer_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("made_by", sa.Enum("buyer", "bot", "seller", name="offer_party"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "countered",
                "accepted",
                "rejected",
                "expired",
                "withdrawn",
                name="offer_status",
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("responds_to_id", sa.UUID(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_offers_currency_code")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_offers_amount_positive")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_offers_buyer_id_buyers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_offers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_offers_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responds_to_id"],
            ["offers.id"],
            name=op.f("fk_offers_responds_to_id_offers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_buyer_id"), "offers", ["buyer_id"], unique=False)
    op.create_index(
        "ix_offers_conversation_id_created_at",
        "offers",
        ["conversation_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_offers_product_id"), "offers", ["product_id"], unique=False)
    op.create_index("ix_offers_status_expires_at", "offers", ["status", "expires_at"], unique=False)
    op.create_index(
        "uq_offers_one_accepted",
        "offers",
        ["product_id"],
        unique=True,
        postgresql_where=sa.text("status = 'accepted'"),
    )
    # ### end Alembic commands ###
    for statement in SCHEMA_RULES:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_SCHEMA_RULES:
        op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index(
        "uq_offers_one_accepted",
        table_name="offers",
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.drop_index("ix_offers_status_expires_at", table_name="offers")
    op.drop_index(op.f("ix_offers_product_id"), table_name="offers")
    op.drop_index("ix_offers_conversation_id_created_at", table_name="offers")
    op.drop_index(op.f("ix_offers_buyer_id"), table_name="offers")
    op.drop_table("offers")
    op.drop_index(
        "ix_messages_unprocessed",
        table_name="messages",
        postgresql_where=sa.text("direction = 'inbound' AND processed_at IS NULL"),
    )
    op.drop_index(
        "ix_messages_undelivered",
        table_name="messages",
        postgresql_where=sa.text("direction = 'outbound' AND delivered_at IS NULL"),
    )
    op.drop_index("ix_messages_entities", table_name="messages", postgresql_using="gin")
    op.drop_index("ix_messages_conversation_id_seq", table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_publications_product_id"), table_name="publications")
    op.drop_index(op.f("ix_publications_external_id"), table_name="publications")
    op.drop_table("publications")
    op.drop_index(
        "uq_product_images_one_primary",
        table_name="product_images",
        postgresql_where=sa.text("is_primary"),
    )
    op.drop_index(op.f("ix_product_images_product_id"), table_name="product_images")
    op.drop_index(
        "ix_product_images_processing_metadata", table_name="product_images", postgresql_using="gin"
    )
    op.drop_table("product_images")
    op.drop_index(
        "uq_listings_one_active", table_name="listings", postgresql_where=sa.text("is_active")
    )
    op.drop_index(op.f("ix_listings_product_id"), table_name="listings")
    op.drop_index("ix_listings_confidence_breakdown", table_name="listings", postgresql_using="gin")
    op.drop_index("ix_listings_attributes", table_name="listings", postgresql_using="gin")
    op.drop_table("listings")
    op.drop_index("ix_conversations_status_last_message_at", table_name="conversations")
    op.drop_index(op.f("ix_conversations_seller_id"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_product_id"), table_name="conversations")
    op.drop_index(
        "ix_conversations_fraud_signals", table_name="conversations", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_conversations_buyer_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index(op.f("ix_products_status"), table_name="products")
    op.drop_index("ix_products_seller_id_status", table_name="products")
    op.drop_index(op.f("ix_products_seller_id"), table_name="products")
    op.drop_index("ix_products_attributes", table_name="products", postgresql_using="gin")
    op.drop_table("products")
    op.drop_index(
        "ix_marketplace_credentials_expires_at",
        table_name="marketplace_credentials",
        postgresql_where=sa.text("is_valid"),
    )
    op.drop_table("marketplace_credentials")
    op.drop_index(op.f("ix_bot_sessions_seller_id"), table_name="bot_sessions")
    op.drop_index("ix_bot_sessions_last_activity_at", table_name="bot_sessions")
    op.drop_index(op.f("ix_bot_sessions_buyer_id"), table_name="bot_sessions")
    op.drop_table("bot_sessions")
    op.drop_table("sellers")
    op.drop_index("ix_buyers_profile", table_name="buyers", postgresql_using="gin")
    op.drop_table("buyers")
    op.drop_index("ix_audit_log_table_name_row_id", table_name="audit_log")
    op.drop_index("ix_audit_log_changed_at", table_name="audit_log")
    op.drop_table("audit_log")
    # ### end Alembic commands ###
    for name in ENUM_TYPES:
        op.execute(f"DROP TYPE IF EXISTS {name}")
