"""Online payments: register → redirect → signed notification → verify → allocate.

The payer's return to the app only shows the status stored here; the status changes only when a
notification with a valid signature and the exact registered amount arrives and the gateway
confirms it. Replays of a notification change nothing."""

from __future__ import annotations

import logging
import secrets
import uuid
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.billing import payments
from backend.billing.gateway import InvalidNotification, gateway_for
from backend.billing.gateway.sandbox import SandboxGateway
from backend.billing.invoices import settled_with, visible_document
from backend.billing.schemas import OnlinePaymentOut, PayIn, PayStartOut, SandboxPaymentOut
from backend.billing.tables import OnlinePayment
from backend.core.clock import now, today_in_warsaw
from backend.core.db import json_list
from backend.core.errors import ApiError, not_found
from backend.customers import services as customers
from backend.settings import Settings

log = logging.getLogger("ebok.payments")


async def start(settings: Settings, user: CurrentUser, data: PayIn) -> PayStartOut:
    if data.customer_id not in user.customer_ids:
        raise not_found("customer")
    document_ids: list[str] = []
    if data.document_ids:
        numbers: list[str] = []
        chosen: dict[str, int] = {}
        for doc_id in dict.fromkeys(data.document_ids):
            d = await visible_document(user, doc_id)
            settles = [x for x in await settled_with(d) if x["remaining_grosze"] > 0]
            if str(d["customer"]) != data.customer_id or not settles:
                raise ApiError("nothing_to_pay", "This document has nothing left to pay", 409, field="document_ids")
            numbers.append(d["number"])
            chosen.update({str(x["id"]): x["remaining_grosze"] for x in settles})  # a reminder brings its invoices
        amount, document_ids = sum(chosen.values()), list(chosen)
        description = "Płatność za " + ", ".join(numbers)
    else:
        amount = (await payments.balance([data.customer_id], today_in_warsaw()))["total_grosze"]
        [c] = await customers.customers_brief([data.customer_id])
        description = f"Saldo klienta {c['number']}"
    if amount <= 0:
        raise ApiError("nothing_to_pay", "There is nothing to pay", 409)
    gateway = gateway_for(settings)
    payment_id = uuid.uuid4()
    session_id = f"ebok-{payment_id.hex}-{secrets.token_hex(4)}"
    registration = await gateway.register(
        session_id=session_id, amount=amount, description=description[:200], email=user.email,
        return_url=f"{settings.base_url}/rozliczenia?platnosc={payment_id}",
        status_url=f"{settings.base_url}/api/payments/notify/{gateway.name}",
    )
    await OnlinePayment.insert(OnlinePayment(
        id=payment_id, customer=data.customer_id, user=user.id, gateway=gateway.name, session_id=session_id,
        token=registration.token, amount_grosze=amount, document_ids=document_ids,
        description=description[:200]))
    return PayStartOut(id=str(payment_id), redirect_url=registration.redirect_url)


async def status(user: CurrentUser, payment_id: str) -> OnlinePaymentOut:
    try:
        row = await OnlinePayment.select().where(OnlinePayment.id == payment_id).first()
    except ValueError:
        row = None
    if not row or str(row["customer"]) not in user.customer_ids:
        raise not_found("payment")
    return OnlinePaymentOut(id=str(row["id"]), status=row["status"], amount_grosze=int(row["amount_grosze"]),
                            description=row["description"])


async def handle_notification(settings: Settings, gateway_name: str, body: dict[str, Any]) -> None:
    """Verify and apply a gateway's notification; raises ApiError (400) when it must be refused."""
    try:
        gateway = gateway_for(settings, gateway_name)
    except ValueError:
        raise not_found("gateway") from None
    if gateway_name != settings.payment_gateway:
        raise not_found("gateway")
    try:
        n = gateway.parse_notification(body)
    except InvalidNotification as exc:
        log.warning("payment notification refused: %s", exc)
        raise ApiError("notification_invalid", str(exc), 400) from None
    row = await OnlinePayment.select().where(
        (OnlinePayment.session_id == n.session_id) & (OnlinePayment.gateway == gateway_name)).first()
    if row is None:
        raise ApiError("notification_invalid", "unknown session", 400)
    if n.amount != int(row["amount_grosze"]) or n.currency != "PLN":
        log.warning("payment notification for %s refused: amount %s, expected %s", n.session_id, n.amount,
                    row["amount_grosze"])
        raise ApiError("amount_mismatch", "The amount differs from the registered payment", 400)
    if row["status"] == "paid":
        return  # a replay: already applied
    if not await gateway.verify(n):
        raise ApiError("notification_unverified", "The gateway did not confirm the payment", 400)
    payment_id = await payments.record_payment(
        customer_id=str(row["customer"]), amount_grosze=n.amount, booked_on=today_in_warsaw(), source="gateway",
        external_id=f"{gateway_name}:{n.session_id}", title=row["description"], preferred=json_list(row["document_ids"]),
        account=gateway_name, payer=f"{gateway_name} {n.order_id}",
    )
    await OnlinePayment.update({OnlinePayment.status: "paid", OnlinePayment.paid_at: now(),
                                OnlinePayment.order_id: n.order_id, **(
                                    {OnlinePayment.payment: payment_id} if payment_id else {})}).where(
        (OnlinePayment.id == row["id"]) & (OnlinePayment.status != "paid"))


# --- the sandbox gateway's own pages --------------------------------------------------------------


async def _sandbox_row(settings: Settings, token: str) -> dict[str, Any]:
    if settings.payment_gateway != "sandbox" or not token:
        raise not_found("payment")
    row = await OnlinePayment.select().where((OnlinePayment.token == token) & (OnlinePayment.gateway == "sandbox")
                                             ).first()
    if row is None:
        raise not_found("payment")
    return row


async def sandbox_view(settings: Settings, token: str) -> SandboxPaymentOut:
    row = await _sandbox_row(settings, token)
    return SandboxPaymentOut(token=token, merchant=settings.utility_name, amount_grosze=int(row["amount_grosze"]),
                             description=row["description"], status=row["status"])


async def sandbox_decide(settings: Settings, token: str, outcome: str) -> str:
    """The payer pays (the sandbox notifies like a gateway would) or refuses; returns where the
    browser goes back to."""
    row = await _sandbox_row(settings, token)
    back = f"/rozliczenia?platnosc={row['id']}"
    if row["status"] != "pending":
        return back
    if outcome == "rejected":
        await OnlinePayment.update({OnlinePayment.status: "failed"}).where(
            (OnlinePayment.id == row["id"]) & (OnlinePayment.status == "pending"))
        return back
    order_id = int.from_bytes(secrets.token_bytes(4), "big")
    body = SandboxGateway(settings).notification(row["session_id"], int(row["amount_grosze"]), order_id)
    await handle_notification(settings, "sandbox", body)
    return back
