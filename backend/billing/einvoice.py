"""e-Faktura: the customer's consent to get invoices by e-mail instead of paper. The consents
register keeps it (with the address each decision was given to); billing shows and acts on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backend.billing.schemas import ConsentChange, EInvoiceOut
from backend.consents import services as consents
from backend.consents.schemas import ConsentDecision
from backend.core.clock import iso
from backend.core.db import Read


async def status(customer_id: str) -> EInvoiceOut:
    return _status(await consents.e_invoice_history(customer_id))


async def statuses(customer_ids: Sequence[str]) -> dict[str, EInvoiceOut]:
    """status() of each customer, in one read a consents.CHUNK of them."""
    return {c: _status(decisions) for c, decisions in (await consents.e_invoice_histories(customer_ids)).items()}


def statuses_read(customer_ids: Sequence[str]) -> Read[dict[str, EInvoiceOut]]:
    """statuses() of at most consents.CHUNK customers as one read (the settlements screen's)."""
    return consents.e_invoice_histories_read(customer_ids).map(
        lambda histories: {c: _status(decisions) for c, decisions in histories.items()})


def _status(decisions: Sequence[ConsentDecision]) -> EInvoiceOut:
    history = [ConsentChange(granted=d.given, email=d.email, changed_at=iso(d.at)) for d in decisions]
    current = decisions[0] if decisions else None
    granted = bool(current and current.given)
    return EInvoiceOut(granted=granted, since=history[0].changed_at if current else None,
                       email=current.email if granted and current else "", history=history)


async def set_consent(customer_id: str, granted: bool, email: str, user_id: str | None,
                      at: datetime | None = None, channel: str = "portal") -> EInvoiceOut:
    """Given or withdrawn on the settlements screen: one decision in the consents register."""
    await consents.record(customer_id, "e_invoice", granted, channel, user_id, email=email, at=at)
    return await status(customer_id)


async def consenting(customer_ids: Sequence[str]) -> dict[str, str]:
    """customer id -> e-mail, for those whose e-Faktura consent is given."""
    return await consents.e_invoice_addresses(customer_ids)
