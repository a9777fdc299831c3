"""Malformed and odd webhook bodies for `fuzz`, generated from a seed (a run can be repeated).

Each body is either noise the bot must refuse or ignore without an error (bad JSON, updates
missing fields or with absurd numbers, kinds the bot does not handle, forged button presses,
deliveries without the secret), or a message a person could really send — odd texts, NUL bytes,
random deep links, numbers like 1e308 — which must be answered once. The answerable ones get a
chat of their own and are stored in the local server's chat, so the reply can be counted.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

ANSWERABLE_SHARE = 0.08  # each is a whole turn; the rest is cheap to refuse

ODD_TEXTS = (
    "hola\x00mundo", "\x00", "\x00\x00¿sigue disponible?\x00", "precio\x01\x02\x1b[31m",
    "\u202eodnum aloh", "z̷̢̛̲̈́a̸̡͎͒l̶̨̛͔g̵̡̛͕o̶̡̪͗", "🙂" * 300, "é" * 4096, "a" * 4096,
    "'; DROP TABLE messages; --", "<b>hola</b><script>alert(1)</script>", "{{7*7}} ${7*7}",
    "\ufeff¿cuánto cuesta?", "\r\n\r\n", "ok\u2028next\u2029para", "\udbff",
)
ODD_NUMBERS = ("1e308", "-1e308", "1e309", "99999999999999999999999", "-5", "0", "0.0000001",
               "NaN", "Infinity", "1,5e3", "١٢٣", "5" * 400)
CALLBACK_DATA = ("offer:accept", "takeover:take:{}", "takeover:handback:{}",
                 "listing:publish:{}", "listing:cancel:{}", "ml:publish:{}", "", "x" * 64,
                 "offer:accept:" + "9" * 50, "\x00", "../../etc/passwd")
ODD_KINDS = ("edited_message", "channel_post", "edited_channel_post", "inline_query",
             "chosen_inline_result", "shipping_query", "pre_checkout_query", "poll",
             "poll_answer", "my_chat_member", "chat_member", "chat_join_request",
             "message_reaction", "message_reaction_count", "chat_boost", "removed_chat_boost",
             "business_message", "purchased_paid_media", "not_a_kind")


@dataclass
class Body:
    kind: str
    raw: bytes | None = None  # sent as is
    update: dict[str, Any] | None = None  # an Update-shaped object
    text: str | None = None  # answerable: the person's message (stored in the chat)
    secret: bool = True  # with the right X-Telegram-Bot-Api-Secret-Token


def _user(rng: random.Random, user_id: int | None = None) -> dict[str, Any]:
    return {"id": user_id or rng.randint(100_000, 9_000_000), "is_bot": False,
            "first_name": rng.choice(["Ana", "Luis", "", "名前", "x" * 300]),
            "language_code": rng.choice(["es", "en", "zz", ""])}


def _message(rng: random.Random, **fields: Any) -> dict[str, Any]:
    user = _user(rng)
    chat = {"id": user["id"], "type": "private", "first_name": "Fuzz"}
    return {"message_id": rng.randint(1, 10**6), "date": 1_760_000_000, "chat": chat,
            "from": user, "text": "hola", **fields}


def _random_text(rng: random.Random, size: int) -> str:
    alphabet = string.printable + "áéíóúñ¿¡€😀\u200b"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _bad_json(rng: random.Random) -> Body:
    valid = json.dumps({"update_id": 1, "message": _message(rng)}).encode()
    choices: list[Callable[[], bytes]] = [
        lambda: valid[: rng.randint(0, len(valid) - 1)],
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))),
        lambda: rng.choice([b"", b"null", b"[]", b"1", b'"x"', b"true", b"{", b"}", b"NaN"]),
        lambda: b"[" * 100_000 + b"]" * 100_000,
        lambda: b'{"update_id": 1, "message": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001,
        lambda: b"\xff\xfe" + valid,
        lambda: valid.replace(b'"text": "hola"', b'"text": "\\ud800"'),
        lambda: valid + b"garbage",
        lambda: b'{"update_id": 1e999999}',
    ]
    return Body("bad-json", raw=rng.choice(choices)())


def _not_an_update(rng: random.Random) -> Body:
    message = _message(rng)
    variants: list[dict[str, Any]] = [
        {}, {"update_id": "x"}, {"update_id": 1e308}, {"update_id": -1}, {"update_id": 2**70},
        {"update_id": None}, {"update_id": 1, "message": "text"}, {"update_id": 1, "message": {}},
        {"update_id": 1, "message": {k: v for k, v in message.items() if k != "chat"}},
        {"update_id": 1, "message": {k: v for k, v in message.items() if k != "from"}},
        {"update_id": 1, "message": {k: v for k, v in message.items() if k != "date"}},
        {"update_id": 1, "message": {**message, "date": 1e308}},
        {"update_id": 1, "message": {**message, "message_id": 1e308}},
        {"update_id": 1, "message": {**message, "chat": {"id": 1e308, "type": "private"}}},
        {"update_id": 1, "message": {**message, "chat": {"id": "abc", "type": "private"}}},
        {"update_id": 1, "message": {**message, "from": {"id": 2**70, "is_bot": False,
                                                          "first_name": "Big"}}},
        {"update_id": 1, "message": {**message, "text": 12345}},
        {"update_id": 1, "message": {**message, "text": None}},
        {"update_id": 1, "message": {**message, "text": "a" * 100_000}},
        {"update_id": 1, "message": {**message, "text": "\x00" * 50_000}},
        {"update_id": 1, "message": {**message, "entities": [{"type": "bot_command",
                                                               "offset": 10**9, "length": -3}]}},
        {"update_id": 1, "message": {**message, "chat": {**message["chat"], "type": "group"},
                                     "from": _user(rng)}},
        {"update_id": 1, "message": {**message, "from": {**message["from"], "is_bot": True}}},
        {"update_id": 1, "message": {**message, "sender_chat": {"id": -100123, "type": "channel"},
                                     "from": None}},
        {"update_id": rng.randint(1, 10**6), "message": message, "callback_query": {"id": "1"}},
    ]
    return Body("not-an-update", update=rng.choice(variants))


def _odd_kind(rng: random.Random) -> Body:
    kind = rng.choice(ODD_KINDS)
    payload: dict[str, Any] = _message(rng) if "message" in kind or "post" in kind else {
        "id": str(rng.randint(1, 10**9)), "from": _user(rng),
        "chat": {"id": rng.randint(1, 10**6), "type": "private"}, "date": 1_760_000_000}
    if kind == "channel_post":
        payload = {**payload, "chat": {"id": -1001, "type": "channel", "title": "c"}}
        payload.pop("from", None)
    return Body("odd-kind", update={"update_id": rng.randint(1, 10**9), kind: payload})


def _forged_callback(rng: random.Random) -> Body:
    data = rng.choice(CALLBACK_DATA).format(rng.choice([str(uuid.uuid4()), "p123", "x", ""]))
    user = _user(rng)
    query: dict[str, Any] = {"id": str(rng.getrandbits(60)), "from": user,
                             "chat_instance": str(rng.getrandbits(60)), "data": data}
    shape = rng.randrange(4)
    if shape == 0:
        query["message"] = {"message_id": rng.randint(1, 10**6), "date": 0,
                            "chat": {"id": user["id"], "type": "private"}}  # inaccessible
    elif shape == 1:
        query["message"] = {**_message(rng), "reply_markup": {"inline_keyboard": [[
            {"text": "Aceptar", "callback_data": data or "x"}]]}}
    elif shape == 2:
        query["inline_message_id"] = "AAAA" + str(rng.getrandbits(40))
    return Body("forged-callback", update={"update_id": rng.randint(1, 10**9),
                                           "callback_query": query})


def _answerable(rng: random.Random) -> Body:
    pick = rng.random()
    if pick < 0.4:
        payload = rng.choice([_random_text(rng, rng.randint(0, 40)), "p" + uuid.uuid4().hex[:12],
                              "x" * 3000, "ñandú-€", "%00", "../", "-1"])
        text = f"/start {payload}".rstrip()
    elif pick < 0.7:
        text = rng.choice(ODD_TEXTS)
    else:
        text = rng.choice(["te ofrezco {} €", "¿me lo dejas en {}?", "I can offer {}"]).format(
            rng.choice(ODD_NUMBERS))
    return Body("answerable", text=text)


def _wrong_secret(rng: random.Random) -> Body:
    """A good message delivered without the webhook's secret: must be refused (401)."""
    return Body("wrong-secret", update={"update_id": rng.randint(1, 10**9),
                                        "message": _message(rng)}, secret=False)


MAKERS: tuple[tuple[float, Callable[[random.Random], Body]], ...] = (
    (ANSWERABLE_SHARE, _answerable), (0.01, _wrong_secret), (0.23, _bad_json),
    (0.25, _not_an_update), (0.14, _odd_kind), (0.29, _forged_callback))


def bodies(count: int, seed: int = 9) -> Iterator[Body]:
    """`count` bodies, a fixed mix of every kind."""
    rng = random.Random(seed)
    makers = [make for _, make in MAKERS]
    weights = [share for share, _ in MAKERS]
    for _ in range(count):
        yield rng.choices(makers, weights)[0](rng)
