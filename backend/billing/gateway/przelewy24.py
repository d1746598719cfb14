"""Przelewy24 REST API v1 (docs: developers.przelewy24.pl).

- register: POST /api/v1/transaction/register, HTTP Basic (posId : API key), body with
  sign = SHA-384 of the JSON {"sessionId","merchantId","amount","currency","crc"};
  the answer's data.token goes into the redirect https://{host}/trnRequest/{token}.
- notification (urlStatus): JSON with sign = SHA-384 of {"merchantId","posId","sessionId","amount",
  "originAmount","currency","orderId","methodId","statement","crc"}.
- verify: PUT /api/v1/transaction/verify with sign = SHA-384 of
  {"sessionId","orderId","amount","currency","crc"}; only then is the payment final.

The signed JSON is compact, keys in that order, slashes and non-ASCII unescaped (PHP's
json_encode with JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES, as the documentation says)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from backend.billing.gateway.base import InvalidNotification, Notification, Registration
from backend.settings import Settings

NOTIFICATION_FIELDS = (("merchantId", int), ("posId", int), ("sessionId", str), ("amount", int),
                       ("originAmount", int), ("currency", str), ("orderId", int), ("methodId", int),
                       ("statement", str))


def sign(fields: dict[str, Any], crc: str) -> str:
    payload = json.dumps({**fields, "crc": crc}, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha384(payload.encode()).hexdigest()


def register_sign(session_id: str, merchant_id: int, amount: int, currency: str, crc: str) -> str:
    return sign({"sessionId": session_id, "merchantId": merchant_id, "amount": amount, "currency": currency}, crc)


def verify_sign(session_id: str, order_id: int, amount: int, currency: str, crc: str) -> str:
    return sign({"sessionId": session_id, "orderId": order_id, "amount": amount, "currency": currency}, crc)


def notification_sign(body: dict[str, Any], crc: str) -> str:
    return sign({name: body[name] for name, _ in NOTIFICATION_FIELDS}, crc)


def parse_signed_notification(body: dict[str, Any], crc: str, merchant_id: int, pos_id: int) -> Notification:
    """Check types, merchant and signature of a notification; the caller then checks the amount."""
    try:
        typed: dict[str, Any] = {name: kind(body[name]) if kind is str else body[name] for name, kind in NOTIFICATION_FIELDS}
    except (KeyError, TypeError, ValueError):
        raise InvalidNotification("malformed notification") from None
    if any(kind is int and (not isinstance(typed[name], int) or isinstance(typed[name], bool))
           for name, kind in NOTIFICATION_FIELDS):
        raise InvalidNotification("malformed notification")
    if not crc or not hmac.compare_digest(notification_sign(typed, crc), str(body.get("sign", ""))):
        raise InvalidNotification("bad signature")
    if typed["merchantId"] != merchant_id or typed["posId"] != pos_id:
        raise InvalidNotification("not our merchant")
    return Notification(typed["sessionId"], typed["amount"], typed["currency"], typed["orderId"], typed)


class Przelewy24:
    name = "przelewy24"

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.s = settings
        self.host = "sandbox.przelewy24.pl" if settings.p24_sandbox else "secure.przelewy24.pl"
        self.transport = transport  # tests put a mock transport here

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"https://{self.host}", auth=(str(self.s.p24_pos_id), self.s.p24_api_key),
                                 timeout=20, transport=self.transport)

    async def register(self, *, session_id: str, amount: int, description: str, email: str, return_url: str,
                       status_url: str) -> Registration:
        body = {
            "merchantId": self.s.p24_merchant_id, "posId": self.s.p24_pos_id, "sessionId": session_id,
            "amount": amount, "currency": "PLN", "description": description[:1024], "email": email[:50],
            "country": "PL", "language": "pl", "urlReturn": return_url, "urlStatus": status_url,
            "sign": register_sign(session_id, self.s.p24_merchant_id, amount, "PLN", self.s.p24_crc),
        }
        async with self._client() as client:
            r = await client.post("/api/v1/transaction/register", json=body)
        if r.status_code != 200:
            raise RuntimeError(f"Przelewy24 register failed: {r.status_code} {r.text[:200]}")
        token = r.json()["data"]["token"]
        return Registration(token, f"https://{self.host}/trnRequest/{token}")

    def parse_notification(self, body: dict[str, Any]) -> Notification:
        return parse_signed_notification(body, self.s.p24_crc, self.s.p24_merchant_id, self.s.p24_pos_id)

    async def verify(self, n: Notification) -> bool:
        body = {
            "merchantId": self.s.p24_merchant_id, "posId": self.s.p24_pos_id, "sessionId": n.session_id,
            "amount": n.amount, "currency": n.currency, "orderId": n.order_id,
            "sign": verify_sign(n.session_id, n.order_id, n.amount, n.currency, self.s.p24_crc),
        }
        async with self._client() as client:
            r = await client.put("/api/v1/transaction/verify", json=body)
        return r.status_code == 200 and r.json().get("data", {}).get("status") == "success"
