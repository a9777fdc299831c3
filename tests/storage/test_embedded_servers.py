"""The embedded PostgreSQL is started once per machine, even when two processes ask at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

START_AND_REPORT = """
import json, sys, time
from pathlib import Path
from storage.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
uri = server.start()
print(json.dumps({"uri": uri, "pid": server._server.get_pid()}), flush=True)
sys.stdin.readline()  # keep the handle until the test says so
server.stop()
"""


def _start(data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", START_AND_REPORT, str(data_dir)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_two_processes_asking_at_once_share_one_server(tmp_path):
    data_dir = tmp_path / "pg"
    data_dir.mkdir()  # both processes would otherwise race to create it
    first, second = _start(data_dir), _start(data_dir)
    try:
        reports = [json.loads(p.stdout.readline()) for p in (first, second)]
        assert reports[0]["pid"] == reports[1]["pid"], "one postmaster for both"
        assert reports[0]["uri"] == reports[1]["uri"]
        pid = reports[0]["pid"]
        first.communicate("\n", timeout=30)  # the first leaves: the server keeps running
        os.kill(pid, 0)
        second.communicate("\n", timeout=60)  # the last leaves: the server stops
        assert first.returncode == 0 and second.returncode == 0
        assert not (data_dir / "postmaster.pid").exists()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
