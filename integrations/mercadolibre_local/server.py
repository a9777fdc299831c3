"""The local MercadoLibre's routes: the endpoints marketbot's client calls, over real HTTP.

Every request is recorded (`GET /requests`, or `.requests` in process). `POST /control` queues
failures: `{"fail": [{"method": "POST", "path": "/items", "status": 500, "after": true}]}` —
with `after` the operation is carried out and only its answer fails, as when a response is lost
on the way back. `POST /users` adds an account (`{"id", "site_id", "tags", "token"}`).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from integrations.mercadolibre_local.item_rules import item_causes, sku_of
from integrations.mercadolibre_local.world import MlUser, World

MULTIGET_LIMIT = 20


@dataclass
class Failure:
    method: str
    path: str
    status: int
    after: bool = False


def error(status: int, message: str, error_code: str, causes: list[Any] | None = None
          ) -> web.Response:
    return web.json_response({"message": message, "error": error_code, "status": status,
                              "cause": causes or []}, status=status)


class LocalMercadoLibre:
    """The app and its world; `start()` serves it on 127.0.0.1 and returns its base URL."""

    def __init__(self) -> None:
        self.world = World()
        self.requests: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.app = web.Application(middlewares=[self._record])
        self._runner: web.AppRunner | None = None
        self.url = ""
        routes = [
            web.post("/oauth/token", self.token), web.get("/users/me", self.me),
            web.post("/users", self.add_user_route),
            web.get("/users/{user_id}/items/search", self.items_by_sku),
            web.get("/sites/{site}/domain_discovery/search", self.discover),
            web.get("/categories/{category}/attributes", self.attributes),
            web.post("/pictures/items/upload", self.upload), web.post("/items", self.create),
            web.get("/items", self.multiget), web.get("/items/{id}", self.item),
            web.put("/items/{id}", self.change),
            web.post("/items/{id}/description", self.describe),
            web.put("/items/{id}/description", self.describe),
            web.get("/questions/search", self.search_questions),
            web.get("/questions/{id}", self.question), web.post("/answers", self.answer),
            web.get("/requests", self.request_log), web.post("/control", self.control),
        ]
        self.app.add_routes(routes)

    # -- running ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(self, user_id: int, *, site_id: str = "MLA", tags: list[str] | None = None,
                 token: str | None = None) -> MlUser:
        user = self.world.users.setdefault(user_id, MlUser(id=user_id))
        user.site_id, user.tags = site_id, list(tags or ["normal"])
        if token:
            user.tokens.add(token)
        return user

    def fail_next(self, method: str, path: str, status: int = 500, *, after: bool = False
                  ) -> None:
        self.failures.append(Failure(method.upper(), path, status, after))

    def sent(self, method: str, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    # -- plumbing -----------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body: Any = None
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return error(400, "body.invalid", "The body is not valid JSON")
        if request.path not in ("/requests", "/control"):
            self.requests.append({"method": request.method, "path": request.path,
                                  "query": dict(request.query), "json": body})
        request["json"] = body
        failure = next((f for f in self.failures
                        if f.method == request.method and f.path == request.path), None)
        if failure is not None:
            self.failures.remove(failure)
            if failure.after:
                await handler(request)
            return error(failure.status, "Internal server error" if failure.status >= 500
                         else "Too many requests", "internal_error" if failure.status >= 500
                         else "too_many_requests")
        return await handler(request)

    def _user(self, request: web.Request) -> MlUser:
        header = request.headers.get("Authorization", "")
        user = self.world.user_of(header.removeprefix("Bearer ").strip())
        if user is None:
            raise web.HTTPUnauthorized(text=json.dumps({
                "message": "invalid access token", "error": "not_found", "status": 401,
                "cause": []}), content_type="application/json")
        return user

    def _own_item(self, request: web.Request) -> dict[str, Any]:
        user = self._user(request)
        item = self.world.items.get(request.match_info["id"])
        if item is None or item["seller_id"] != user.id:
            raise web.HTTPNotFound(text=json.dumps({
                "message": "Item not found", "error": "not_found", "status": 404, "cause": []}),
                content_type="application/json")
        return item

    # -- accounts -----------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = form.get("grant_type")
        if grant == "authorization_code":
            user_id = self.world.codes.pop(str(form.get("code")), None)
        elif grant == "refresh_token":
            user_id = self.world.refresh_tokens.pop(str(form.get("refresh_token")), None)
        else:
            return error(400, "unsupported grant_type", "unsupported_grant_type")
        if user_id is None:
            return error(400, "Error validating grant", "invalid_grant")
        access, refresh = f"APP_USR-{secrets.token_hex(8)}", f"TG-{secrets.token_hex(8)}"
        self.world.users[user_id].tokens.add(access)
        self.world.refresh_tokens[refresh] = user_id
        return web.json_response({"access_token": access, "token_type": "Bearer",
                                  "expires_in": 21600, "scope": "offline_access read write",
                                  "user_id": user_id, "refresh_token": refresh})

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(self._user(request).me())

    async def add_user_route(self, request: web.Request) -> web.Response:
        body = request["json"] or {}
        user = self.add_user(int(body["id"]), site_id=str(body.get("site_id", "MLA")),
                             tags=body.get("tags"), token=body.get("token"))
        if body.get("code"):
            self.world.codes[str(body["code"])] = user.id
        return web.json_response(user.me(), status=201)

    async def items_by_sku(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if str(user.id) != request.match_info["user_id"]:
            return error(403, "forbidden", "forbidden")
        sku = request.query.get("seller_sku")
        found = [i["id"] for i in self.world.items.values()
                 if i["seller_id"] == user.id and sku and sku_of(i) == sku]
        return web.json_response({"seller_id": str(user.id), "results": found,
                                  "paging": {"limit": 50, "offset": 0, "total": len(found)}})

    # -- categories and items -----------------------------------------------------------------

    async def discover(self, request: web.Request) -> web.Response:
        category = self.world.predict(request.match_info["site"], request.query.get("q", ""))
        if category is None:
            return web.json_response([])
        return web.json_response([{"domain_id": category.domain_id,
                                   "domain_name": category.name, "category_id": category.id,
                                   "category_name": category.name, "attributes": []}])

    async def attributes(self, request: web.Request) -> web.Response:
        category = self.world.categories.get(request.match_info["category"])
        if category is None:
            return error(404, "Category not found", "not_found")
        return web.json_response(list(category.attributes))

    async def upload(self, request: web.Request) -> web.Response:
        self._user(request)
        return web.json_response({"id": f"{secrets.randbelow(10**6)}-MLA{secrets.token_hex(4)}",
                                  "variations": []}, status=201)

    async def create(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = request["json"]
        causes = item_causes(body, user, self.world.categories)
        if causes:
            return error(400, "Validation error", "validation_error", causes)
        item_id = self.world.new_item_id(user.site_id)
        title = body.get("title") or body.get("family_name")
        item = {**body, "id": item_id, "site_id": user.site_id, "seller_id": user.id,
                "title": title, "status": "active",
                "permalink": f"https://articulo.mercadolibre.example/{item_id}"}
        self.world.items[item_id] = item
        return web.json_response(item, status=201)

    async def multiget(self, request: web.Request) -> web.Response:
        user = self._user(request)
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not ids or len(ids) > MULTIGET_LIMIT:
            return error(400, f"ids must name 1 to {MULTIGET_LIMIT} items", "bad_request")
        answers = []
        for item_id in ids:
            item = self.world.items.get(item_id)
            if item is None or item["seller_id"] != user.id:
                answers.append({"code": 404, "body": {"message": "Item not found",
                                                      "error": "not_found", "status": 404}})
            else:
                answers.append({"code": 200, "body": item})
        return web.json_response(answers)

    async def item(self, request: web.Request) -> web.Response:
        return web.json_response(self._own_item(request))

    async def change(self, request: web.Request) -> web.Response:
        item = self._own_item(request)
        body = request["json"] or {}
        if "status" in body and body["status"] not in ("active", "paused", "closed"):
            return error(400, "Validation error", "validation_error",
                         [{"code": "item.status.invalid", "type": "error",
                           "message": "invalid status"}])
        item.update({k: v for k, v in body.items() if k in ("status", "price")})
        return web.json_response(item)

    async def describe(self, request: web.Request) -> web.Response:
        item = self._own_item(request)
        text = (request["json"] or {}).get("plain_text")
        if not isinstance(text, str):
            return error(400, "plain_text is required", "bad_request")
        self.world.descriptions[item["id"]] = text
        return web.json_response({"plain_text": text}, status=201)

    # -- questions ----------------------------------------------------------------------------

    async def search_questions(self, request: web.Request) -> web.Response:
        self._user(request)
        query = request.query
        if "item" not in query and "seller_id" not in query:
            return error(400, "item or seller_id is required", "bad_request")
        found = [q for q in self.world.questions.values()
                 if ("item" not in query or q["item_id"] == query["item"])
                 and ("seller_id" not in query or str(q["seller_id"]) == query["seller_id"])
                 and ("status" not in query or q["status"] == query["status"])]
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 50))
        return web.json_response({"total": len(found), "limit": limit,
                                  "questions": found[offset:offset + limit]})

    async def question(self, request: web.Request) -> web.Response:
        self._user(request)
        found = self.world.questions.get(int(request.match_info["id"]))
        if found is None:
            return error(404, "Question not found", "not_found")
        return web.json_response(found)

    async def answer(self, request: web.Request) -> web.Response:
        self._user(request)
        body = request["json"] or {}
        found = self.world.questions.get(int(body.get("question_id") or 0))
        if found is None or found["status"] != "UNANSWERED":
            return error(400, "The question is not unanswered", "bad_request")
        found["status"] = "ANSWERED"
        found["answer"] = {"text": body.get("text"), "status": "ACTIVE"}
        self.world.answers.append(body)
        return web.json_response({"question_id": found["id"], "text": body.get("text"),
                                  "status": "ACTIVE"})

    # -- inspection and faults ----------------------------------------------------------------

    async def request_log(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests})

    async def control(self, request: web.Request) -> web.Response:
        body = request["json"] or {}
        for entry in body.get("fail") or []:
            self.fail_next(str(entry["method"]), str(entry["path"]),
                           int(entry.get("status", 500)), after=bool(entry.get("after")))
        return web.json_response({"ok": True, "queued": len(self.failures)})
