"""One authenticated MercadoLibre HTTP call, with retries, token refresh and error translation.

Policy (tenacity's AsyncRetrying): 429 and 5xx are retried with full-jitter backoff (or the
server's Retry-After), other 4xx never are; a 401 asks the token provider for a fresh token once
(`force=True`) and repeats the call; every failure leaves as a MarketplaceError whose reason a
seller can read.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.backoff import (
    retry_after_seconds,
    wait_full_jitter,
    wait_retry_after,
)
from integrations.mercadolibre.errors import error_from_response

TokenProvider = Callable[..., Awaitable[str]]
Sleep = Callable[[float], Awaitable[Any]]
# A body is built anew for each attempt: aiohttp's FormData cannot be sent twice.
BodyFactory = Callable[[], Any]

# Connecting failed before anything was sent, so even a POST can be sent again safely.
_NOT_SENT_ERRORS = (aiohttp.ClientConnectorError,)
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def accepts_force(token_provider: TokenProvider) -> bool:
    """Whether the provider takes `force=` (a plain `async def get() -> str` does not)."""
    try:
        parameters = inspect.signature(token_provider).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "force" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


class ApiTransport:
    """Sends requests to one MercadoLibre API host on behalf of one seller."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        token_provider: TokenProvider,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 30.0,
        request_timeout: float = 20.0,
        sleep: Sleep = asyncio.sleep,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._token_provider = token_provider
        self._provider_accepts_force = accepts_force(token_provider)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._sleep = sleep
        self._draw = draw

    async def _token(self, *, force: bool) -> str:
        if force and self._provider_accepts_force:
            return await self._token_provider(force=True)
        return await self._token_provider()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        body_factory: BodyFactory | None = None,
        recover: Callable[[], Awaitable[Any]] | None = None,
    ) -> Any:
        """Send the request and return the parsed JSON body (or text) of a 2xx answer.

        `recover`, for a request that is not idempotent (creating an item), runs before each
        resend: a first try may have reached MercadoLibre with only its answer lost, so a
        non-None result (the thing it created, found again) is returned instead of resending.
        """
        method = method.upper()
        call = _Call(method, f"{self._base_url}{path}", params, json_body, body_factory,
                     await self._token(force=False))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            wait=wait_retry_after(wait_full_jitter(
                base=self._backoff_base, cap=self._backoff_cap, draw=self._draw)),
            retry=retry_if_exception(
                lambda exc: self._worth_retrying(exc, method, resendable=recover is not None)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                if attempt.retry_state.attempt_number > 1 and recover is not None:
                    if (found := await recover()) is not None:
                        return found
                with attempt:
                    return await self._send(call)
        except _Unreached as failure:
            raise MarketplaceError(
                "Could not reach MercadoLibre: try again in a few minutes.",
                code="network_error",
                retryable=True,
            ) from failure.cause
        except _RetryableAnswer as answer:
            raise answer.error from None
        raise AssertionError("unreachable: tenacity either returns an attempt or raises")

    async def _send(self, call: _Call) -> Any:
        """One try; a 401 asks for a fresh token once per request and repeats at once."""
        while True:
            headers = {"Authorization": f"Bearer {call.token}", "Accept": "application/json"}
            try:
                async with self._session.request(
                    call.method,
                    call.url,
                    params=call.params,
                    json=call.json_body,
                    data=call.body_factory() if call.body_factory else None,
                    headers=headers,
                    timeout=self._timeout,
                ) as response:
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
                    body = await _read_body(response)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _Unreached(exc) from exc
            if status < 400:
                return body
            if status == 401 and not call.token_refreshed:
                # The token may have been revoked or expired early: one fresh token, one more try.
                call.token_refreshed = True
                call.token = await self._token(force=True)
                continue
            error = error_from_response(status, body)
            if not error.retryable:
                raise error
            raise _RetryableAnswer(error, retry_after_seconds(retry_after))

    def _worth_retrying(self, exc: BaseException, method: str, *, resendable: bool) -> bool:
        if isinstance(exc, _RetryableAnswer):
            # Waiting minutes would hold a chat hostage; the caller can try later instead.
            return exc.retry_after is None or exc.retry_after <= self._max_retry_after
        if isinstance(exc, _Unreached):
            return resendable or _safe_to_resend(method, exc.cause)
        return False


@dataclass
class _Call:
    """One request as every try sends it, and the token it carries (refreshed once on a 401)."""

    method: str
    url: str
    params: Mapping[str, str | int] | None
    json_body: Any
    body_factory: BodyFactory | None
    token: str
    token_refreshed: bool = False


class _Unreached(Exception):
    """The request failed on the way (`cause`: the connection error or the timeout)."""

    def __init__(self, cause: aiohttp.ClientError | TimeoutError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _RetryableAnswer(Exception):
    """A 429 or 5xx answer: `error` is raised if it is not tried again; `retry_after` is the wait
    the server asked for (seconds), if it did."""

    def __init__(self, error: MarketplaceError, retry_after: float | None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.retry_after = retry_after


def _safe_to_resend(method: str, exc: BaseException) -> bool:
    """Resending a POST whose request may have reached the server could publish twice."""
    return method in _IDEMPOTENT_METHODS or isinstance(exc, _NOT_SENT_ERRORS)


async def _read_body(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
