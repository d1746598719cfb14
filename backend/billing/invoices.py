"""Documents as residents and staff see them: the list with balances, one document with its lines
and meter values, the transfer details for paying it, and corrections of an issued invoice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.billing import calc, einvoice, ledger, nrb, numbering, payments, qr, sources
from backend.billing.calc import Line, MeterUse
from backend.billing.schemas import (
    BalanceOut,
    BilledMeterOut,
    CustomerSettlement,
    DocumentOut,
    DocumentRow,
    LineOut,
    RemindedOut,
    SettlementsOut,
    TransferOut,
)
from backend.billing.tables import BilledMeter, Document, DocumentLine
from backend.billing.tariffs import all_tariffs
from backend.consents import services as consents
from backend.core.addresses import street_address
from backend.core.clock import iso, local_midnight, now, today_in_warsaw
from backend.core.db import read_together, transaction
from backend.core.errors import ApiError, not_found
from backend.customers import services as customers
from backend.customers.schemas import CustomerOut
from backend.settings import Settings


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def can_see_all(user: CurrentUser) -> bool:
    return user.role == "staff"


def _row(d: dict[str, Any], numbers: dict[str, str], addresses: dict[str, str], today: date) -> DocumentRow:
    return DocumentRow(
        id=str(d["id"]), number=d["number"], kind=d["kind"], customer_id=str(d["customer"]),
        customer_number=numbers.get(str(d["customer"]), ""), issue_date=d["issue_date"].isoformat(),
        due_date=d["due_date"].isoformat(), period_start=_day(d["period_start"]), period_end=_day(d["period_end"]),
        gross_grosze=int(d["gross_grosze"]), remaining_grosze=d["remaining_grosze"],
        overdue=d["remaining_grosze"] > 0 and d["due_date"] < today, estimated=bool(d["estimated"]),
        address=addresses.get(str(d["service_point"]), ""),
    )


async def _point_addresses(customer_ids: Sequence[str]) -> dict[str, str]:
    registry, _ = await customers.registry(customer_ids)
    return _addresses(registry)


def _addresses(registry: Sequence[CustomerOut]) -> dict[str, str]:
    return {p.id: f"{street_address(p.street, p.house_number, p.apartment)}, {p.postcode} {p.town}"
            for c in registry for p in c.service_points}


async def settlements(settings: Settings, user: CurrentUser) -> SettlementsOut:
    ids = list(user.customer_ids)
    today = today_in_warsaw()
    # the screen's reads go through db.rows() (committed data, no query builder), in one round trip on
    # PostgreSQL; the registry holds the customers' numbers and names as customers_brief() gives them
    # (by number). A resident has a few customers; past consents.CHUNK the e-invoice states come apart.
    together = len(ids) <= consents.CHUNK
    (docs, paid), (registry, _), states = await read_together(
        payments.documents_and_paid_read(ids), customers.registry_read(ids),
        einvoice.statuses_read(ids if together else []))
    if not together:
        states = await einvoice.statuses(ids)
    brief = [{"id": c.id, "number": c.number, "name": c.name} for c in registry]
    numbers = {c["id"]: c["number"] for c in brief}
    addresses = _addresses(registry)
    out_customers = []
    each = payments.balances_read([c["id"] for c in brief], today, docs, paid)
    for c in brief:
        account = nrb.customer_account(settings, c["number"])
        out_customers.append(CustomerSettlement(
            id=c["id"], number=c["number"], name=c["name"], account=account, account_display=nrb.format_nrb(account),
            balance=BalanceOut(**each[c["id"]]),
            einvoice=states[c["id"]],
        ))
    total = {"total_grosze": sum(b["total_grosze"] for b in each.values()),
             "overdue_grosze": sum(b["overdue_grosze"] for b in each.values())}
    return SettlementsOut(
        balance=BalanceOut(**total), customers=out_customers,
        documents=[_row(d, numbers, addresses, today) for d in docs],
    )


async def visible_document(user: CurrentUser, document_id: str) -> dict[str, Any]:
    """The document if this user may see it; 404 whether or not it exists otherwise."""
    try:
        uuid.UUID(document_id)
    except ValueError:
        raise not_found("document") from None
    row = await Document.select(Document.id, Document.customer).where(Document.id == document_id).first()
    if not row or not (can_see_all(user) or str(row["customer"]) in user.customer_ids):
        raise not_found("document")
    [doc] = [d for d in await payments.documents_with_remaining([str(row["customer"])]) if d["id"] == row["id"]]
    return doc


async def settled_with(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents paying `doc` settles, with what is left on each: the document, and for a
    reminder the invoices it demands (the reminder's PDF, transfer data and online payment all ask
    for this sum, so they agree with each other and with the per-document balances)."""
    if doc["kind"] != "reminder":
        return [doc]
    items = (await payments.reminded_invoices([doc["id"]])).get(str(doc["id"]), [])
    ids = {i["id"] for i in items}
    others = [d for d in await payments.documents_with_remaining([str(doc["customer"])]) if str(d["id"]) in ids]
    return [doc, *sorted(others, key=lambda d: (d["due_date"], d["number"]))]


async def detail(user: CurrentUser, document_id: str) -> DocumentOut:
    d = await visible_document(user, document_id)
    customer_id = str(d["customer"])
    brief = await customers.customers_brief([customer_id])
    addresses = await _point_addresses([customer_id])
    row = _row(d, {c["id"]: c["number"] for c in brief}, addresses, today_in_warsaw())
    lines = await DocumentLine.select().where(DocumentLine.document == d["id"]).order_by(DocumentLine.position)
    meters = await BilledMeter.select().where(BilledMeter.document == d["id"]).order_by(BilledMeter.kind)
    remaining = {str(x["id"]): x["remaining_grosze"] for x in await settled_with(d)}
    reminded = [RemindedOut(id=i["id"], number=i["number"], due_date=i["due_date"].isoformat(),
                            owed_grosze=i["owed_grosze"], remaining_grosze=remaining.get(i["id"], 0))
                for i in (await payments.reminded_invoices([d["id"]])).get(str(d["id"]), [])]
    refers = None
    if d["refers_to"]:
        ref = await Document.select(Document.number).where(Document.id == d["refers_to"]).first()
        refers = ref["number"] if ref else None
    return DocumentOut(
        document=row, net_grosze=int(d["net_grosze"]), vat_grosze=int(d["vat_grosze"]),
        lines=[LineOut(position=x["position"], kind=x["kind"], description=x["description"], quantity=int(x["quantity"]),
                       unit=x["unit"], unit_price_grosze=x["unit_price_grosze"], net_grosze=int(x["net_grosze"]),
                       vat_pct=x["vat_pct"], vat_grosze=int(x["vat_grosze"]), gross_grosze=int(x["gross_grosze"]))
               for x in lines],
        meters=[BilledMeterOut(serial=m["serial"], kind=m["kind"], previous_litres=int(m["previous_litres"]),
                               previous_at=iso(m["previous_at"]), current_litres=int(m["current_litres"]),
                               current_at=iso(m["current_at"]) or "", source=m["source"],
                               consumption_litres=int(m["consumption_litres"]), estimated=m["source"] == "estimate")
                for m in meters],
        refers_to=refers, reason=d["reason"], pdf_url=f"/api/settlements/documents/{d['id']}/pdf",
        reminded=reminded, to_pay_grosze=sum(max(v, 0) for v in remaining.values()),
    )


async def transfer(settings: Settings, user: CurrentUser, document_id: str | None, customer_id: str | None
                   ) -> TransferOut:
    """What to type into a bank transfer for one document or for a customer's whole balance."""
    if document_id:
        d = await visible_document(user, document_id)
        amount = sum(max(x["remaining_grosze"], 0) for x in await settled_with(d))
        customer_id, title = str(d["customer"]), d["number"]
    else:
        if not customer_id or not (customer_id in user.customer_ids or can_see_all(user)):
            raise not_found("customer")
        brief = await customers.customers_brief([customer_id])
        if not brief:
            raise not_found("customer")
        amount = max((await payments.balance([customer_id], today_in_warsaw()))["total_grosze"], 0)
        title = f"Klient {brief[0]['number']} saldo"
    [c] = await customers.customers_brief([customer_id])
    account = nrb.customer_account(settings, c["number"])
    payload = None
    if 0 < amount <= qr.MAX_GROSZE:
        payload = qr.zbp_payload(settings.utility_nip, account, amount, settings.utility_name, title)
    query = f"document_id={document_id}" if document_id else f"customer_id={customer_id}"
    return TransferOut(
        recipient=settings.utility_name, recipient_address=settings.utility_address, account=account,
        account_display=nrb.format_nrb(account), title=title, amount_grosze=amount, qr_payload=payload,
        qr_url=f"/api/settlements/transfer/qr.svg?{query}" if payload else None,
    )


# --- corrections ----------------------------------------------------------------------------------


def _lines(rows: list[dict[str, Any]]) -> list[Line]:
    return [Line(x["kind"], x["description"], int(x["quantity"]), x["unit"], x["unit_price_grosze"], int(x["net_grosze"]),
                 x["vat_pct"], int(x["vat_grosze"]), int(x["gross_grosze"])) for x in rows]


async def correct(settings: Settings, document_id: str) -> str:
    """Re-bill an invoice from the readings as they are now (one was rejected, replaced or added)
    and issue a correction (faktura korygująca) with the difference. Only the latest invoice of a
    service point can be corrected: the next period starts where it ended. With external billing
    the billing system sends its corrections."""
    from backend.billing.external import refuse_when_external

    refuse_when_external(settings)
    try:
        inv = await Document.select().where((Document.id == document_id) & (Document.kind == "invoice")).first()
    except ValueError:
        inv = None
    if not inv:
        raise not_found("invoice")
    later = await Document.exists().where((Document.service_point == inv["service_point"]) & (
        Document.kind == "invoice") & (Document.period_start > inv["period_start"]))
    if later:
        raise ApiError("later_invoice_exists", "Correct the later invoices of this service point first", 409)
    doc_ids = [inv["id"]] + [r["id"] for r in await Document.select(Document.id).where(
        (Document.refers_to == inv["id"]) & (Document.kind == "correction"))]
    current = await BilledMeter.select().where(BilledMeter.document.is_in(doc_ids), BilledMeter.superseded.eq(False))
    start, end = inv["period_start"], inv["period_end"]
    t0, t1 = datetime.combine(start, datetime.min.time(), UTC) - timedelta(days=1), \
        datetime.combine(end + timedelta(days=2), datetime.min.time(), UTC)
    found = await sources.readings([str(m["meter"]) for m in current], t0, t1)

    lo, hi = local_midnight(start), local_midnight(end + timedelta(days=1))
    uses = []
    for m in current:
        later_values = [v for v in found.get(str(m["meter"]), []) if lo <= v.at < hi
                        and (m["previous_at"] is None or v.at > m["previous_at"])]
        if later_values:
            v = later_values[-1]
            uses.append(MeterUse(str(m["meter"]), m["serial"], m["kind"], int(m["previous_litres"]), m["previous_at"],
                                 v.litres, v.at, v.source, v.reading_id, v.source == "estimate"))
        else:  # the reading it used is gone: keep what was billed (the next period settles it)
            uses.append(MeterUse(str(m["meter"]), m["serial"], m["kind"], int(m["previous_litres"]), m["previous_at"],
                                 int(m["current_litres"]), m["current_at"], m["source"],
                                 str(m["reading_id"]) if m["reading_id"] else None, m["source"] == "estimate"))
    fee_qty = sum(int(x["quantity"]) for x in await DocumentLine.select(DocumentLine.quantity).where(
        (DocumentLine.document == inv["id"]) & (DocumentLine.kind == "fee")))
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    new_lines = calc.invoice_lines(uses, start, end, await all_tariffs(), max(round(fee_qty / 1000 / months), 1))
    old_lines = _lines(await DocumentLine.select().where(DocumentLine.document.is_in(doc_ids)))
    merged: dict[tuple[str, str], Line] = {}
    for x in old_lines:  # the invoice plus earlier corrections, per line
        k = (x.kind, x.description)
        o = merged.get(k)
        merged[k] = x if o is None else Line(x.kind, x.description, o.quantity + x.quantity, x.unit, x.unit_price,
                                             o.net + x.net, x.vat_pct, o.vat + x.vat, o.gross + x.gross)
    diff = calc.difference(new_lines, list(merged.values()))
    if not diff:
        raise ApiError("nothing_to_correct", "The invoice already matches the readings", 409)
    issue = today_in_warsaw()
    async with transaction() as tx:
        [number] = await numbering.allocate(numbering.series("correction", issue), 1)
        entries = ledger.Entries()
        doc_id = entries.add(
            customer=inv["customer"], service_point=inv["service_point"], kind="correction", number=number,
            bill_key=f"cor:{inv['id']}:{number}", period=inv["period"], period_start=start, period_end=end,
            issue_date=issue, due_date=issue + timedelta(days=settings.payment_days), lines=diff, uses=uses,
            estimated=any(u.estimated for u in uses), refers_to=inv["id"],
            reason=f"Korekta faktury {inv['number']}: zmiana odczytu", created_at=now(), notice={})
        # the meter values it billed replace the invoice's (and earlier corrections') ones
        await BilledMeter.update({BilledMeter.superseded: True}, force=True).where(
            BilledMeter.id.is_in([m["id"] for m in current]))
        await entries.write(tx)
        await payments.apply_credits([str(inv["customer"])])
    return str(doc_id)
