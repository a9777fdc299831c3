#!/usr/bin/env bash
# The two commands of the README: `./marketbot.sh run` and `./marketbot.sh test`.
# Each one prepares .venv (created once, reinstalled when pyproject.toml changes) and then runs.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)

prepare() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    if [ ! -f "$STAMP" ]; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e ".[dev,local]"
        rm -f "$VENV"/.installed-*
        touch "$STAMP"
    fi
    mkdir -p .data/runtime && chmod 700 .data/runtime
    export XDG_RUNTIME_DIR="$PWD/.data/runtime"
}

case "${1:-}" in
    run)
        shift; prepare
        exec "$VENV/bin/python" -m bot "$@" ;;
    test)
        shift; prepare
        exec "$VENV/bin/python" -m pytest "$@" ;;
    *)
        echo "usage: $0 run | test [pytest args]" >&2; exit 2 ;;
esac
