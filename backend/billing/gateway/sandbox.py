"""The demo's payment gateway, inside the app: its page (/platnosc-testowa in the PWA) lets the
payer pay or refuse; it then sends a notification in Przelewy24's format, signed with its own key,
through the same verification as a real gateway's notification."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from backend.billing.gateway.base import Notification, Registration
from backend.billing.gateway.przelewy24 import notification_sign, parse_signed_notification
from backend.settings import Settings

MERCHANT_ID = POS_ID = 100000  # the sandbox's own merchant


class SandboxGateway:
    name = "sandbox"

    def __init__(self, settings: Settings) -> None:
        self.s = settings

    async def register(self, *, session_id: str, amount: int, description: str, email: str, return_url: str,
                       status_url: str) -> Registration:
        token = secrets.token_urlsafe(24)
        return Registration(token, f"/platnosc-testowa?token={quote(token)}")

    def parse_notification(self, body: dict[str, Any]) -> Notification:
        return parse_signed_notification(body, self.s.sandbox_gateway_crc, MERCHANT_ID, POS_ID)

    async def verify(self, n: Notification) -> bool:
        return True  # the sandbox is this process: the signed notification is all it has to say

    def notification(self, session_id: str, amount: int, order_id: int) -> dict[str, Any]:
        """The body the sandbox posts when the payer pays."""
        body: dict[str, Any] = {
            "merchantId": MERCHANT_ID, "posId": POS_ID, "sessionId": session_id, "amount": amount,
            "originAmount": amount, "currency": "PLN", "orderId": order_id, "methodId": 25,
            "statement": f"p24-{order_id}",
        }
        body["sign"] = notification_sign(body, self.s.sandbox_gateway_crc)
        return body
