"""e-Faktura: the customer's consent to get invoices by e-mail instead of paper, with its history
(every change is a row; the newest one is in force)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from backend.billing.schemas import ConsentChange, EInvoiceOut
from backend.billing.tables import EInvoiceConsent
from backend.core.clock import now


async def status(customer_id: str) -> EInvoiceOut:
    rows = await EInvoiceConsent.select().where(EInvoiceConsent.customer == customer_id).order_by(
        EInvoiceConsent.changed_at, ascending=False)
    history = [ConsentChange(granted=r["granted"], email=r["email"], changed_at=r["changed_at"].astimezone(UTC).isoformat())
               for r in rows]
    current = rows[0] if rows else None
    granted = bool(current and current["granted"])
    return EInvoiceOut(granted=granted, since=history[0].changed_at if current else None,
                       email=current["email"] if granted and current else "", history=history)


async def set_consent(customer_id: str, granted: bool, email: str, user_id: str | None,
                      at: datetime | None = None, channel: str = "portal") -> EInvoiceOut:
    """Given or withdrawn on the settlements screen: the consents register (Moje konto) records the
    same decision, so both screens always tell the same story."""
    from backend.consents import services as consents

    result = await mirror_consent(customer_id, granted, email, user_id, at)
    await consents.record(customer_id, "e_invoice", granted, channel, user_id)
    return result


async def mirror_consent(customer_id: str, granted: bool, email: str, user_id: str | None,
                         at: datetime | None = None) -> EInvoiceOut:
    """Keep the delivery address and its history; called by the consents register too."""
    current = await status(customer_id)
    if current.granted != granted or (granted and current.email != email):
        await EInvoiceConsent.insert(EInvoiceConsent(customer=customer_id, granted=granted, email=email,
                                                     changed_by=user_id, changed_at=at or now()))
    return await status(customer_id)


async def consenting(customer_ids: Sequence[str]) -> dict[str, str]:
    """customer id -> e-mail, for those whose latest consent change granted it."""
    out: dict[str, str] = {}
    ids = list(customer_ids)
    for i in range(0, len(ids), 1000):
        rows = await EInvoiceConsent.select(EInvoiceConsent.customer, EInvoiceConsent.granted,
                                            EInvoiceConsent.email).where(
            EInvoiceConsent.customer.is_in(ids[i:i + 1000])).order_by(EInvoiceConsent.changed_at)
        latest = {str(r["customer"]): r for r in rows}
        out.update({c: r["email"] for c, r in latest.items() if r["granted"] and r["email"]})
    return out
