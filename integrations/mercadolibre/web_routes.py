"""MercadoLibre's two endpoints on the web server: the OAuth callback and the notifications webhook.

`GET /oauth/mercadolibre/callback?code&state` finishes the connection `/connect` started: the
state names the seller and the PKCE verifier (kept in Redis, used once), the code becomes the
seller's token pair, stored encrypted. `POST /webhooks/mercadolibre` answers 200 at once and
processes the notification in the background (`NotificationReceiver`).

What happens next (telling the seller, answering a question) belongs to the layers above, so
both are callables given at construction: this module imports nothing of agents or bot.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from integrations.marketplace import MarketplaceError
from integrations.mercadolibre.accounts import ConnectedAccount, MercadoLibreAccounts
from integrations.mercadolibre.authorization import AuthorizationStates
from integrations.mercadolibre.notifications import Notification, NotificationReceiver

log = structlog.get_logger(__name__)

CALLBACK_PATH = "/oauth/mercadolibre/callback"
WEBHOOK_PATH = "/webhooks/mercadolibre"
DRAIN_SECONDS = 10.0

OnConnected = Callable[[ConnectedAccount], Awaitable[None]]
OnNotification = Callable[[Notification], Awaitable[None]]


def _page(title: str, text: str, status: int = 200) -> web.Response:
    body = (
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title></head>"
        "<body style=\"font-family: sans-serif; max-width: 32rem; margin: 3rem auto\">"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(text=body, content_type="text/html", status=status)


class MercadoLibreRoutes:
    """The handlers; `setup(app)` adds them to an aiohttp application."""

    def __init__(
        self,
        *,
        authorizations: AuthorizationStates,
        accounts: MercadoLibreAccounts | None,
        on_connected: OnConnected,
        on_notification: OnNotification,
    ) -> None:
        self._authorizations = authorizations
        self._accounts = accounts
        self._on_connected = on_connected
        app_id = accounts.client_id if accounts is not None else ""
        self.receiver = NotificationReceiver(
            on_notification, application_id=int(app_id) if app_id.isdigit() else None)

    def setup(self, app: web.Application) -> None:
        app.router.add_get(CALLBACK_PATH, self.oauth_callback)
        app.router.add_post(WEBHOOK_PATH, self.receiver.handle)
        app.on_shutdown.append(self._drain)

    async def _drain(self, app: web.Application) -> None:
        await self.receiver.drain(DRAIN_SECONDS)

    async def oauth_callback(self, request: web.Request) -> web.Response:
        query = request.query
        state, code = query.get("state", ""), query.get("code", "")
        pending = await self._authorizations.consume(state) if state else None
        if query.get("error"):
            # The seller said no on MercadoLibre's page; the state is spent either way.
            return _page("Conexión cancelada / Connection cancelled",
                         "No se conectó ninguna cuenta. Envía /connect al bot para intentarlo "
                         "de nuevo. / No account was connected: send /connect to try again.")
        if not code or pending is None:
            return _page("Enlace caducado / Link expired",
                         "Este enlace ya no es válido. Envía /connect al bot para conectar tu "
                         "cuenta. / This link is no longer valid: send /connect to the bot.",
                         status=400)
        if self._accounts is None or not self._accounts.settings.redirect_uri:
            return _page("MercadoLibre no disponible / MercadoLibre unavailable",
                         "El servicio no está configurado para MercadoLibre. / The service is "
                         "not configured for MercadoLibre.", status=503)
        try:
            account = await self._accounts.connect(
                pending.seller_id, code, pending.code_verifier,
                self._accounts.settings.redirect_uri)
        except MarketplaceError as exc:
            log.warning("mercadolibre.connect_failed", seller_id=str(pending.seller_id),
                        code=exc.code)
            return _page("No se pudo conectar / Could not connect",
                         f"{exc.reason} Envía /connect para intentarlo de nuevo.", status=502)
        try:
            await self._on_connected(account)
        except Exception:  # the account is connected; a failed Telegram message must not undo it
            log.exception("mercadolibre.connected_notice_failed",
                          seller_id=str(account.seller_id))
        name = account.nickname or account.user_id
        return _page("Cuenta conectada / Account connected",
                     f"MercadoLibre: {name}. Vuelve a Telegram. / Go back to Telegram.")


def setup_routes(app: web.Application, routes: MercadoLibreRoutes) -> None:
    """For `create_web_app(..., extra_setups=[partial(setup_routes, routes=...)])`."""
    routes.setup(app)
