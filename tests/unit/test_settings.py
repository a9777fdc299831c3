"""Settings: environment over config.yaml over defaults; one clear line for a bad value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from config.settings import SettingsError, load_settings, to_asyncpg_url


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    monkeypatch.setenv("MARKETBOT_CONFIG", str(path))
    for key in ("DATABASE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "GOOGLE_API_KEY",
                "LLM_PROVIDER", "LLM_HISTORY_WINDOW", "NEGOTIATION_MAX_ROUNDS"):
        monkeypatch.delenv(key, raising=False)
    return path


def test_environment_over_yaml_over_defaults(config_file, monkeypatch):
    config_file.write_text("llm:\n  history_window: 20\nnegotiation:\n  max_rounds: 5\n")
    assert load_settings().llm.history_window == 20
    assert load_settings().negotiation.max_rounds == 5
    monkeypatch.setenv("LLM_HISTORY_WINDOW", "30")
    settings = load_settings()
    assert settings.llm.history_window == 30  # environment wins
    assert settings.redis.key_prefix == "marketbot:"  # default when neither says


@pytest.mark.parametrize(("key", "value", "named"), [
    ("DATABASE_URL", "mysql://db/x", "DATABASE_URL"),
    ("DATABASE_URL", "postgresql:///nohost", "DATABASE_URL"),
    ("REDIS_URL", "http://localhost:6379", "REDIS_URL"),
    ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN"),
    ("LLM_HISTORY_WINDOW", "many", "LLM_HISTORY_WINDOW"),
    ("LLM_PROVIDER", "gpt", "LLM_PROVIDER"),
    ("NEGOTIATION_MAX_ROUNDS", "0", "NEGOTIATION_MAX_ROUNDS"),
    ("MERCADOLIBRE_CURRENCY_RATES", '{"EURO:ARS": 1100}', "MERCADOLIBRE_CURRENCY_RATES"),
    ("MERCADOLIBRE_CURRENCY_RATES", '{"EUR:ARS": -1}', "MERCADOLIBRE_CURRENCY_RATES"),
])
def test_a_bad_value_is_one_line_naming_the_key(config_file, monkeypatch, key, value, named):
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message and "\n" not in message
    assert value not in message or key not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN")


def test_malformed_yaml_is_one_line(config_file):
    config_file.write_text("llm: [unclosed\n")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "config.yaml" in str(caught.value) and "\n" not in str(caught.value).strip()


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://postgres@localhost/db", "postgresql+asyncpg://postgres@localhost/db"),
    ("postgresql+asyncpg://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
    ("postgresql://postgres@/db?host=/run/pg", "postgresql+asyncpg://postgres@/db?host=/run/pg"),
    ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
])
def test_database_urls_take_both_schemes_and_unix_sockets(config_file, monkeypatch, url,
                                                           expected):
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings().database.async_url() == expected
    assert to_asyncpg_url(url) == expected


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "rediss://h:6380",
                                 "unix:///tmp/redis.sock"])
def test_redis_urls(config_file, monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    assert load_settings().redis.url.get_secret_value() == url


def test_secrets_never_show_in_reprs(config_file, monkeypatch):
    token = "123456:" + "A" * 35
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db/x")
    settings = load_settings()
    text = repr(settings) + str(settings.model_dump())
    assert token not in text and "AIza-secret-key" not in text and "hunter2" not in text
    assert settings.llm.resolved_provider() == "gemini"


def test_currency_rates_are_read_as_pairs(config_file, monkeypatch):
    monkeypatch.setenv("MERCADOLIBRE_CURRENCY_RATES", '{"eur:ars": "1100.5"}')
    assert load_settings().marketplaces.currency_rates == {"EUR:ARS": Decimal("1100.5")}
