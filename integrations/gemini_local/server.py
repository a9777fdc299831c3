"""The double's HTTP server (aiohttp): generateContent, its SSE stream form, and control.

    POST /v1beta/models/{model}:generateContent          an answer from the brain (or a fault)
    POST /v1beta/models/{model}:streamGenerateContent    the same as one SSE event (?alt=sse)
    GET  /requests                                        every request body received, in order,
                                                          with the usageMetadata answered
    DELETE /requests                                      forget them
    GET|POST /control   {"mode": "ok"|"safety"|"prompt_blocked"|"empty"|"429"|"500"|"slow"|
                         "bad_function_call", "latency": s, "slow_seconds": s}

A request without an API key is refused as Google refuses it (403), a malformed one with 400;
the key itself is never recorded.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from integrations.gemini_local import wire


@dataclass
class GeminiDouble:
    """The double's state: the brain, the fault mode, and what it was asked."""

    brain: wire.Brain
    mode: str = "ok"
    latency: float = 0.0  # seconds before every answer
    slow_seconds: float = 30.0  # seconds before an answer in "slow" mode
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""  # set once it listens

    def control(self, changes: dict[str, Any]) -> dict[str, Any]:
        mode = str(changes.get("mode", self.mode))
        if mode not in wire.MODES:
            raise ValueError(f"mode must be one of {', '.join(wire.MODES)}")
        latency = float(changes.get("latency", self.latency))
        slow = float(changes.get("slow_seconds", self.slow_seconds))
        if latency < 0 or slow < 0:
            raise ValueError("latency and slow_seconds must be >= 0")
        self.mode, self.latency, self.slow_seconds = mode, latency, slow
        return self.status()

    def status(self) -> dict[str, Any]:
        return {"mode": self.mode, "latency": self.latency, "slow_seconds": self.slow_seconds,
                "requests": len(self.requests)}

    async def generate(self, model: str, body: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one generateContent call."""
        mode = self.mode
        entry: dict[str, Any] = {"model": model, "mode": mode, "body": body}
        self.requests.append(entry)
        try:
            request = wire.read_request(model, body)
        except wire.RequestError as exc:
            return 400, wire.error(400, str(exc))
        await asyncio.sleep(self.latency + (self.slow_seconds if mode == "slow" else 0))
        if mode in ("429", "500"):
            return int(mode), wire.error(int(mode))
        if mode in ("safety", "prompt_blocked", "empty", "bad_function_call"):
            answer = wire.fault(model, mode, wire.estimate_tokens(request))
        else:
            answer = wire.answer(model, await self.brain.reply(request))
        entry["usage"] = answer["usageMetadata"]  # what a client is billed for, to check counts
        return 200, answer


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def create_app(double: GeminiDouble) -> web.Application:
    async def models(request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["call"].partition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            return _json(404, wire.error(404, f"Method not found: {method or '(none)'}"))
        if not (request.headers.get("x-goog-api-key") or request.query.get("key")):
            return _json(403, wire.error(403))
        try:
            body = await request.json()
        except ValueError:
            body = None
        status, answer = await double.generate(model, body)
        if method == "generateContent" or status != 200:
            return _json(status, answer)
        # streamGenerateContent?alt=sse: the whole answer as one event
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await stream.prepare(request)
        await stream.write(f"data: {json.dumps(answer, ensure_ascii=False)}\r\n\r\n".encode())
        await stream.write_eof()
        return stream

    async def requests(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            double.requests.clear()
        return _json(200, {"requests": double.requests})

    async def control(request: web.Request) -> web.Response:
        if request.method == "GET":
            return _json(200, double.status())
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            return _json(200, double.control(changes))
        except ValueError as exc:
            return _json(400, {"error": str(exc)})

    app = web.Application(client_max_size=32 * 1024 * 1024)  # photos travel inline
    app.router.add_post("/{version:v1(beta)?}/models/{call}", models)
    app.router.add_get("/requests", requests)
    app.router.add_delete("/requests", requests)
    app.router.add_get("/control", control)
    app.router.add_post("/control", control)
    return app


async def start_gemini_double(brain: wire.Brain, host: str = "127.0.0.1", port: int = 0, *,
                              latency: float = 0.0
                              ) -> tuple[web.AppRunner, str, GeminiDouble]:
    """Serve the double; returns its runner (to `cleanup()`), base URL and state."""
    double = GeminiDouble(brain=brain, latency=latency)
    # handler_cancellation: a client that gave up on a slow answer leaves no handler behind
    runner = web.AppRunner(create_app(double), handler_cancellation=True, shutdown_timeout=2.0,
                           access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    double.base_url = f"http://{host}:{runner.addresses[0][1]}"
    return runner, double.base_url, double
