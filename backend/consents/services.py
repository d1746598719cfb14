"""Consents (zgody) per customer, with a full history: e-invoice, contact data processing, push and
e-mail alerts. Giving and withdrawing are the same one call, so withdrawing is as easy as giving.

Other domains ask `is_given(customer_id, kind)` before they act on a consent (billing before sending
an e-invoice by e-mail, outages before an alert e-mail)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.consents.schemas import KINDS, ConsentEventOut, ConsentOut, CustomerConsentsOut
from backend.consents.tables import ConsentEvent
from backend.core.clock import iso, now
from backend.core.db import transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.customers import services as customers


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ApiError("consent_unknown", f"Unknown consent {kind!r}", 400, field="kind")


async def _events(customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not customer_ids:
        return []
    return await ConsentEvent.select().where(ConsentEvent.customer.is_in(list(customer_ids))).order_by(
        ConsentEvent.at, ascending=False
    )


async def is_given(customer_id: str, kind: str) -> bool:
    """True when the customer's latest decision about `kind` is "given".

    The paper consent to contact data recorded by the office (customer.consent_contact_at) counts
    as given until the customer withdraws it here."""
    _check_kind(kind)
    if not is_uuid(customer_id):
        return False
    latest = await ConsentEvent.select(ConsentEvent.action).where(
        (ConsentEvent.customer == customer_id) & (ConsentEvent.kind == kind)
    ).order_by(ConsentEvent.at, ascending=False).first()
    if latest:
        return latest["action"] == "given"
    if kind == "contact_data":
        customer = await customers.get_customer(customer_id)
        return bool(customer and customer["consent_contact_at"])
    return False


def _state(kind: str, events: list[dict[str, Any]], paper_at: datetime | None) -> ConsentOut:
    history = [ConsentEventOut(action=e["action"], at=iso(e["at"]) or "", channel=e["channel"],
                               by_staff=e["channel"] == "office") for e in events]
    if kind == "contact_data" and paper_at and not any(e["at"] <= paper_at for e in events):
        history.append(ConsentEventOut(action="given", at=iso(paper_at) or "", channel="office", by_staff=True))
    given = bool(history) and history[0].action == "given"
    given_at = next((h.at for h in history if h.action == "given"), None) if given else None
    withdrawn_at = history[0].at if history and not given else None
    return ConsentOut(kind=kind, given=given, given_at=given_at, withdrawn_at=withdrawn_at, history=history)


async def consents_of(customer_ids: Sequence[str]) -> list[CustomerConsentsOut]:
    events = await _events(customer_ids)
    out = []
    for brief in await customers.customers_brief(customer_ids):
        customer = await customers.get_customer(brief["id"])
        paper_at = customer["consent_contact_at"] if customer else None
        mine = [e for e in events if str(e["customer"]) == brief["id"]]
        out.append(CustomerConsentsOut(
            customer_id=brief["id"], number=brief["number"], name=brief["name"],
            consents=[_state(k, [e for e in mine if e["kind"] == k], paper_at) for k in KINDS],
        ))
    return out


async def set_consent(user: CurrentUser, customer_id: str, kind: str, given: bool, channel: str = "portal"
                      ) -> ConsentOut:
    """Give or withdraw; a decision equal to the current state adds nothing to the history."""
    _check_kind(kind)
    if not user.is_staff and customer_id not in user.customer_ids:
        raise not_found("customer")
    if not is_uuid(customer_id) or await customers.get_customer(customer_id) is None:
        raise not_found("customer")
    async with transaction():
        if await is_given(customer_id, kind) != given:
            await ConsentEvent.insert(ConsentEvent(
                customer=customer_id, kind=kind, action="given" if given else "withdrawn", at=now(),
                by_user=user.id, channel="office" if user.is_staff else channel,
            ))
    await _mirror(user, customer_id, kind, given)
    (state,) = [c for c in (await consents_of([customer_id]))[0].consents if c.kind == kind]
    return state


async def _mirror(user: CurrentUser, customer_id: str, kind: str, given: bool) -> None:
    """e-Faktura delivery (billing) and alert e-mails (outages) act on their own records; a
    decision made here reaches them, as theirs reach this register."""
    if kind == "e_invoice":
        from backend.billing import einvoice

        customer = await customers.get_customer(customer_id)
        email = (customer or {}).get("email") or ("" if user.is_staff else user.email)
        await einvoice.mirror_consent(customer_id, given, email, user.id)
    elif kind == "email_alerts":
        from backend.accounts import services as accounts
        from backend.outages import services as outages

        users = [user.id] if not user.is_staff else [
            a["id"] for a in (await accounts.accounts_of_customers([customer_id])).get(customer_id, [])]
        await outages.mirror_email_alerts(users, given)


async def record(customer_id: str, kind: str, given: bool, channel: str, user_id: str | None = None) -> None:
    """A decision made outside the consents screen (self-registration, the office's paper form)."""
    _check_kind(kind)
    if await is_given(customer_id, kind) != given:
        await ConsentEvent.insert(ConsentEvent(customer=customer_id, kind=kind, action="given" if given else "withdrawn",
                                               at=now(), by_user=user_id, channel=channel))
