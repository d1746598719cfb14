"""Consents (zgody) per customer, with a full history: e-invoice, contact data processing, push and
e-mail alerts. Giving and withdrawing are the same one call, so withdrawing is as easy as giving.

This register is the only record of consents and `record()` its only writer: the settlements screen
(e-Faktura), the Awarie page (alert e-mails), self-registration and the office all decide through
it, and billing and outages read it here (`e_invoice_history`, `e_invoice_addresses`,
`email_alerts_given`) before they act on a consent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.consents.schemas import (
    CHANNELS,
    DEFAULT_GIVEN,
    KINDS,
    MESSAGES,
    PREFERENCE_KINDS,
    ChannelOut,
    ConsentDecision,
    ConsentEventOut,
    ConsentOut,
    CustomerConsentsOut,
    CustomerPreferencesOut,
    MessagePreferenceOut,
    PreferencesOut,
)
from backend.consents.tables import ConsentEvent
from backend.core import sms
from backend.core.clock import iso, now
from backend.core.db import Read, read, run, transaction
from backend.core.db import rows as read_rows
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.customers import services as customers
from backend.settings import Settings
from backend.webhooks import services as webhooks

CHUNK = 1000  # customers per query
# the consents screen's kinds; the channels of each kind of message are on the preferences screen
SCREEN_KINDS = ("e_invoice", "contact_data", "push_alerts", "email_alerts")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ApiError("consent_unknown", f"Unknown consent {kind!r}", 400, field="kind")


async def _events(customer_ids: Sequence[str], kind: str | None = None) -> list[dict[str, Any]]:
    """The customers' decisions (of one kind, or all), newest first."""
    out: list[dict[str, Any]] = []
    ids = list(customer_ids)
    for i in range(0, len(ids), CHUNK):
        query = ConsentEvent.select().where(ConsentEvent.customer.is_in(ids[i:i + CHUNK]))
        if kind:
            query = query.where(ConsentEvent.kind == kind)
        out += await query
    return sorted(out, key=lambda e: e["at"], reverse=True)


def _latest(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """customer id -> its newest decision, from events newest first."""
    latest: dict[str, dict[str, Any]] = {}
    for e in events:
        latest.setdefault(str(e["customer"]), e)
    return latest


async def _current(customer_id: str, kind: str) -> dict[str, Any] | None:
    return await ConsentEvent.select(ConsentEvent.action, ConsentEvent.email).where(
        (ConsentEvent.customer == customer_id) & (ConsentEvent.kind == kind)
    ).order_by(ConsentEvent.at, ascending=False).first()


async def is_given(customer_id: str, kind: str) -> bool:
    """True when the customer's latest decision about `kind` is "given"."""
    _check_kind(kind)
    if not is_uuid(customer_id):
        return False
    latest = await _current(customer_id, kind)
    return bool(latest and latest["action"] == "given")


def _state(kind: str, events: list[dict[str, Any]]) -> ConsentOut:
    history = [ConsentEventOut(action=e["action"], at=iso(e["at"]), channel=e["channel"],
                               by_staff=e["channel"] == "office") for e in events]
    given = bool(history) and history[0].action == "given"
    given_at = next((h.at for h in history if h.action == "given"), None) if given else None
    withdrawn_at = history[0].at if history and not given else None
    return ConsentOut(kind=kind, given=given, given_at=given_at, withdrawn_at=withdrawn_at, history=history)


async def consents_of(customer_ids: Sequence[str]) -> list[CustomerConsentsOut]:
    events = await _events(customer_ids)
    out = []
    for brief in await customers.customers_brief(customer_ids):
        mine = [e for e in events if str(e["customer"]) == brief["id"]]
        out.append(CustomerConsentsOut(
            customer_id=brief["id"], number=brief["number"], name=brief["name"],
            consents=[_state(k, [e for e in mine if e["kind"] == k]) for k in SCREEN_KINDS],
        ))
    return out


async def set_consent(user: CurrentUser, customer_id: str, kind: str, given: bool, channel: str = "portal"
                      ) -> ConsentOut:
    """Give or withdraw on the consents screen; a decision equal to the current state adds nothing."""
    _check_kind(kind)
    if not user.is_staff and customer_id not in user.customer_ids:
        raise not_found("customer")
    customer = await customers.get_customer(customer_id) if is_uuid(customer_id) else None
    if customer is None:
        raise not_found("customer")
    # e-invoices go to the customer's contact e-mail, else to the resident's own login
    email = (customer["email"] or ("" if user.is_staff else user.email)) if kind == "e_invoice" else ""
    channel = "office" if user.is_staff else channel
    async with transaction():
        await record(customer_id, kind, given, channel, user.id, email=email)
        if kind == "contact_data" and not given:
            # without the contact data the utility may not e-mail invoices or alerts: those end with it
            for other in NEEDS_CONTACT_DATA:
                await record(customer_id, other, False, channel, user.id)
    (state,) = [c for c in (await consents_of([customer_id]))[0].consents if c.kind == kind]
    return state


# consents that use the customer's e-mail address, so they need the contact-data consent
NEEDS_CONTACT_DATA = ("e_invoice", "email_alerts", "sms_alerts", "reminder_email", "reminder_sms", "notice_email",
                      "notice_sms")


async def _withdrawn(customer_id: str, kind: str) -> bool:
    """True when the latest decision about `kind` is an explicit withdrawal (no decision is not one)."""
    latest = await _current(customer_id, kind)
    return bool(latest and latest["action"] == "withdrawn")


async def record(customer_id: str, kind: str, given: bool, channel: str, user_id: str | None = None, *,
                 email: str = "", at: datetime | None = None) -> bool:
    """The one writer of consents: a new event when the decision differs from the current one (for
    e-Faktura also when it is given again to another address). Returns whether it added one."""
    _check_kind(kind)
    if given and kind in NEEDS_CONTACT_DATA and await _withdrawn(customer_id, "contact_data"):
        raise ApiError("contact_data_withdrawn", "Give the consent to process the contact data first", 409,
                       field="kind")
    async with transaction():
        current = await _current(customer_id, kind)
        same = bool(current and current["action"] == "given") == given
        if same and not (given and kind == "e_invoice" and current and current["email"] != email):
            return False
        at = at or now()
        await ConsentEvent.insert(ConsentEvent(
            customer=customer_id, kind=kind, action="given" if given else "withdrawn", at=at,
            by_user=user_id, channel=channel, email=email if given else ""))
        customer = await customers.get_customer(customer_id)
        await webhooks.emit("consent.changed", {
            "customer_id": str(customer_id), "customer_number": customer["number"] if customer else "",
            "kind": kind, "given": given, "channel": channel, "at": iso(at)})
    return True


async def record_for_all(customer_ids: Sequence[str], kind: str, given: bool, channel: str,
                         user_id: str | None = None) -> None:
    """One decision about each of a person's customers (the Awarie page's toggle), in one transaction."""
    async with transaction():
        for customer_id in customer_ids:
            await record(customer_id, kind, given, channel, user_id)


async def open_resident_account(settings: Settings, customer_id: str, email: str, name: str, consent: bool) -> Any:
    """The office opens a resident's account after the customer's written consent to process the
    contact data, which is recorded here as the office's decision."""
    customer_id = await accounts.check_new_resident(customer_id, consent)
    await record(customer_id, "contact_data", True, "office")
    return await accounts.create_user(settings, email, name, "resident", customer_id=customer_id)


# --- what other domains read ----------------------------------------------------------------------


async def e_invoice_history(customer_id: str) -> list[ConsentDecision]:
    """The customer's e-Faktura decisions with the address each was given to, newest first."""
    return [ConsentDecision(given=e["action"] == "given", email=e["email"], at=e["at"])
            for e in await _events([customer_id], "e_invoice")]


async def e_invoice_histories(customer_ids: Sequence[str]) -> dict[str, list[ConsentDecision]]:
    """e_invoice_history() of several customers in one read a CHUNK of them (committed data through
    db.rows(), so not for use inside a write transaction)."""
    ids = list(customer_ids)
    out: dict[str, list[ConsentDecision]] = {c: [] for c in ids}
    for i in range(0, len(ids), CHUNK):
        found: dict[str, list[ConsentDecision]] = await run(e_invoice_histories_read(ids[i:i + CHUNK]))
        out.update(found)
    return out


def e_invoice_histories_read(customer_ids: Sequence[str]) -> Read[dict[str, list[ConsentDecision]]]:
    """e_invoice_histories() of at most CHUNK customers as one read (the settlements screen sends it
    with its others: db.read_together()), each customer's decisions newest first."""
    ids = list(customer_ids)
    if len(ids) > CHUNK:
        raise ValueError(f"at most {CHUNK} customers a read")

    def histories(found: Sequence[Sequence[Any]]) -> dict[str, list[ConsentDecision]]:
        out: dict[str, list[ConsentDecision]] = {c: [] for c in ids}
        for customer, action, email, at in sorted(found, key=lambda r: r[3], reverse=True):
            out.setdefault(str(customer), []).append(ConsentDecision(given=action == "given", email=email, at=at))
        return out

    if not ids:
        return read("", then=histories)
    return read("SELECT customer, action, email, at FROM consent_event WHERE customer IN ({each}) AND kind = 'e_invoice'",
                each=ids, then=histories)


async def e_invoice_addresses(customer_ids: Sequence[str]) -> dict[str, str]:
    """customer id -> the address e-invoices go to, for those whose consent is given (with one)."""
    return {c: e["email"] for c, e in _latest(await _events(customer_ids, "e_invoice")).items()
            if e["action"] == "given" and e["email"]}


async def email_alerts_given(customer_ids: Sequence[str]) -> set[str]:
    """The customers whose consent to outage alerts by e-mail is given."""
    return {c for c, e in _latest(await _events(customer_ids, "email_alerts")).items() if e["action"] == "given"}


async def withdrawn_of(customer_ids: Sequence[str], kind: str) -> set[str]:
    """The customers whose latest decision about `kind` is a withdrawal (e.g. push alerts refused
    on paper at the office while a device still holds a subscription)."""
    _check_kind(kind)
    return {c for c, e in _latest(await _events(customer_ids, kind)).items() if e["action"] == "withdrawn"}


async def contact_consent_since(customer_ids: Sequence[str]) -> dict[str, datetime]:
    """customer id -> when the consent to process the contact data in force was given."""
    out: dict[str, datetime] = {}
    events = await _events(customer_ids, "contact_data")
    for customer_id, latest in _latest(events).items():
        if latest["action"] == "given":
            out[customer_id] = latest["at"]
    return out


async def given_of(customer_ids: Sequence[str], kind: str) -> set[str]:
    """The customers for whom `kind` holds now: their latest decision is "given", or they decided
    nothing and the kind holds by default (notices by push and e-mail, see DEFAULT_GIVEN)."""
    _check_kind(kind)
    latest = _latest(await _events(customer_ids, kind))
    default = kind in DEFAULT_GIVEN
    return {c for c in customer_ids if (latest[c]["action"] == "given" if c in latest else default)}


async def given_of_kinds(customer_ids: Sequence[str], kinds: Sequence[str]) -> dict[str, set[str]]:
    """given_of() for several kinds in one pass over the customers: kind -> the customers for whom
    it holds. Committed data through db.rows() (the reminders' scan of 100,000 customers; not for
    use inside a write transaction)."""
    for kind in kinds:
        _check_kind(kind)
    ids = list(customer_ids)
    found: list[Sequence[Any]] = []
    marks = ", ".join(f"${i}" for i in range(1, len(kinds) + 1))
    for i in range(0, len(ids), CHUNK):
        found += await read_rows(f"SELECT customer, kind, action, at FROM consent_event WHERE kind IN ({marks}) "  # noqa: S608 - placeholders only
                                 "AND customer IN ({each})", *kinds, each=ids[i:i + CHUNK])
    latest: dict[tuple[str, str], str] = {}
    for customer, kind, action, _ in sorted(found, key=lambda r: r[3], reverse=True):
        latest.setdefault((str(customer), kind), action)
    return {kind: {c for c in ids if (latest[(c, kind)] == "given" if (c, kind) in latest else kind in DEFAULT_GIVEN)}
            for kind in kinds}


async def preferences(user: CurrentUser) -> PreferencesOut:
    """Konto: the resident's channels per kind of message, for each of their customers."""
    kinds = list(PREFERENCE_KINDS.values())
    events = [e for e in await _events(user.customer_ids) if e["kind"] in kinds]
    out = []
    for brief in await customers.customers_brief(user.customer_ids):
        mine = [e for e in events if str(e["customer"]) == brief["id"]]
        rows = []
        for message in MESSAGES:
            cells = []
            for channel in CHANNELS:
                kind = PREFERENCE_KINDS[(message, channel)]
                state = _state(kind, [e for e in mine if e["kind"] == kind])
                on = state.given or (not state.history and kind in DEFAULT_GIVEN)
                cells.append(ChannelOut(channel=channel, kind=kind, on=on, history=state.history))
            rows.append(MessagePreferenceOut(message=message, channels=cells))
        out.append(CustomerPreferencesOut(customer_id=brief["id"], number=brief["number"], name=brief["name"],
                                          messages=rows))
    return PreferencesOut(customers=out)


async def set_preference(user: CurrentUser, customer_id: str, message: str, channel: str, on: bool) -> None:
    """One cell of the preferences, recorded as the consent it is (with its history)."""
    kind = PREFERENCE_KINDS.get((message, channel))
    if kind is None:
        raise ApiError("preference_unknown", "Unknown kind of message or channel", 400, field="message")
    if customer_id not in user.customer_ids:
        raise not_found("customer")
    if on and channel == "sms":
        phone = (await customers.get_customer(customer_id) or {}).get("phone", "")
        if not sms.mobile(phone or ""):
            raise ApiError("sms_needs_mobile", "Give a mobile phone number (+48 and nine digits) first", 409,
                           field="phone")
    async with transaction():
        if kind in DEFAULT_GIVEN and not on and not await _current(customer_id, kind):
            # "on" by default: turning it off is the first decision
            await ConsentEvent.insert(ConsentEvent(customer=customer_id, kind=kind, action="withdrawn", at=now(),
                                                   by_user=user.id, channel="portal", email=""))
        else:
            await record(customer_id, kind, on, "portal", user.id)
