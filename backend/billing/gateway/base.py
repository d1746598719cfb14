"""What every gateway adapter offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class InvalidNotification(Exception):  # the notification is refused
    """Bad signature, unknown merchant or malformed body."""


@dataclass(frozen=True, slots=True)
class Registration:
    token: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class Notification:
    session_id: str
    amount: int  # grosze actually paid
    currency: str
    order_id: int  # the gateway's transaction number
    raw: dict[str, Any]


class Gateway(Protocol):
    name: str

    async def register(self, *, session_id: str, amount: int, description: str, email: str,
                       return_url: str, status_url: str) -> Registration: ...

    def parse_notification(self, body: dict[str, Any]) -> Notification: ...

    async def verify(self, n: Notification) -> bool: ...
