"""Online payment gateways: register a payment, send the payer to the gateway, and accept only a
notification whose signature verifies (and which the gateway then confirms); the return of the
payer's browser proves nothing and changes nothing."""

from __future__ import annotations

from backend.billing.gateway.base import Gateway, InvalidNotification, Notification, Registration
from backend.settings import Settings


def gateway_for(settings: Settings, name: str | None = None) -> Gateway:
    name = name or settings.payment_gateway
    if name == "przelewy24":
        from backend.billing.gateway.przelewy24 import Przelewy24

        return Przelewy24(settings)
    if name == "sandbox":
        from backend.billing.gateway.sandbox import SandboxGateway

        return SandboxGateway(settings)
    raise ValueError(f"unknown payment gateway {name!r}")


__all__ = ["Gateway", "InvalidNotification", "Notification", "Registration", "gateway_for"]
