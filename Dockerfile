# marketbot production image: the bot (`python -m bot`) and the operator scripts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in a layer of their own, rebuilt only when pyproject.toml changes. Only
# [project].dependencies: the `local` extra (embedded PostgreSQL and Redis) and `dev` (tests)
# stay out of the image, which is given DATABASE_URL and REDIS_URL.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself. The source tree stays in /app because migrations (alembic/, pyproject.toml)
# and config/config.yaml are read from it; `pip install .` registers the packages.
COPY . .
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin marketbot \
    && mkdir -p /app/.data/media \
    && chown -R marketbot:marketbot /app/.data

USER marketbot

# The webhook server (TELEGRAM_WEBHOOK_PORT); /healthz answers when the bot is up.
EXPOSE 8081

CMD ["python", "-m", "bot"]
