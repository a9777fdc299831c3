"""The local Gemini API double speaks Gemini's wire format and refuses what Google refuses.

Raw HTTP here (the client's own path is tested in tests/agents/test_gemini_path.py): answers
with candidates and usageMetadata, the SSE stream form, Google's error objects, the control
endpoint, and the command that serves it stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp

from config.settings import PROJECT_ROOT
from tests.e2e.conftest import free_port

CALL = "/v1beta/models/gemini-2.5-flash:generateContent"
KEY = {"x-goog-api-key": "any"}
ASK = {"contents": [{"role": "user", "parts": [{"text": "Hola, ¿sigue disponible?"}]}],
       "systemInstruction": {"parts": [{"text": "## Context\nrole: buyer\nlanguage: es\n"
                                                "product_title: Bici\nproduct_price: 300\n"}]},
       "tools": [{"functionDeclarations": [{"name": "check_availability",
                                            "description": "Is it on sale?"}]}]}


async def test_answers_errors_and_control_in_the_real_wire_format(gemini_double) -> None:
    url = gemini_double.base_url
    async with aiohttp.ClientSession() as http:
        async with http.post(url + CALL, json=ASK, headers=KEY) as response:
            answer = await response.json()
        candidate = answer["candidates"][0]
        assert candidate["finishReason"] == "STOP" and candidate["content"]["role"] == "model"
        assert candidate["content"]["parts"]
        assert answer["usageMetadata"]["promptTokenCount"] > 0

        async with http.post(url + CALL, json=ASK) as response:
            assert response.status == 403
            assert (await response.json())["error"]["status"] == "PERMISSION_DENIED"
        async with http.post(url + CALL, json={"contents": []}, headers=KEY) as response:
            assert response.status == 400
            assert (await response.json())["error"]["status"] == "INVALID_ARGUMENT"

        stream = url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        async with http.post(stream, json=ASK, headers=KEY) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            event = (await response.text()).strip()
        assert event.startswith("data: ") and json.loads(event[6:])["candidates"]

        async with http.post(url + "/control", json={"mode": "429"}) as response:
            assert (await response.json())["mode"] == "429"
        async with http.post(url + CALL, json=ASK, headers=KEY) as response:
            assert response.status == 429
            assert (await response.json())["error"] == {
                "code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "Resource has been exhausted (e.g. check quota)."}
        async with http.post(url + "/control", json={"mode": "blocked"}) as response:
            assert response.status == 400 and "mode must be one of" in (await response.text())

        async with http.get(url + "/requests") as response:
            recorded = (await response.json())["requests"]
    assert [r["mode"] for r in recorded] == ["ok", "ok", "ok", "429"]  # the 403 never got in
    assert recorded[0]["body"] == ASK and "any" not in json.dumps(recorded)


async def test_the_command_serves_and_stops_on_sigterm() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "integrations.gemini_local", "--port", str(port),
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert f"http://127.0.0.1:{port}" in line
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}/control") as response:
            assert (await response.json())["mode"] == "ok"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
