"""docker-compose.yml as production runs it (no Docker engine here, so the file is read, not
run): `bot` scales (no container_name, no published port, webhook mode) behind the `proxy`
service, whose nginx config is in the repository and points at the port the replicas listen on;
migrations run before the bot; the README's production section names the scaling command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_bot_scales_behind_the_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "bot", "proxy", "backup"} <= set(services)
    bot, proxy = services["bot"], services["proxy"]
    assert "container_name" not in bot and "ports" not in bot  # `--scale bot=3` can start 3
    assert bot["environment"]["TELEGRAM_MODE"] == "webhook"  # two pollers would get 409
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert proxy["image"].startswith("nginx:")
    assert proxy["depends_on"]["bot"]["condition"] == "service_healthy"
    assert [p for p in proxy["ports"] if p.startswith("127.0.0.1:")] == proxy["ports"]

    source, target = proxy["volumes"][0].split(":")[:2]
    config = (ROOT / source).read_text()
    assert target == "/etc/nginx/conf.d/default.conf"
    listen = re.search(r"^\s*listen\s+(\d+);", config, re.M)
    assert listen and proxy["ports"][0].endswith(f":{listen.group(1)}")
    upstream = re.search(r"http://bot:(\d+);", config)
    assert upstream and int(upstream.group(1)) == int(bot["environment"]["TELEGRAM_WEBHOOK_PORT"])
    assert re.search(r"^resolver 127\.0\.0\.11 ", config, re.M)  # replicas re-resolved
    assert "proxy_next_upstream error timeout;" in config


def test_the_readme_says_how_to_scale() -> None:
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production (docker compose)", 1)[1].split("\n## ", 1)[0]
    assert "--scale bot=" in production and "config/nginx.conf" in production
