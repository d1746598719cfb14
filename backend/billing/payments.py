"""Payments and balances: recording a payment exactly once, allocating money (and credit notes)
to the oldest open documents, per-document and total balances, reminders for overdue invoices.

Balance of a customer = sum of its documents − sum of its payments (positive: owed). A document's
remaining amount = its amount − what was allocated to it; money not allocated yet is overpayment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from backend.billing import calc, ledger, numbering
from backend.billing.allocation import OpenDoc, allocate
from backend.billing.tables import Allocation, Document, Payment, PaymentReport, ReminderItem
from backend.core import clock, notify
from backend.core.bulk import insert
from backend.core.db import Read, is_postgres, is_unique_violation, read, transaction
from backend.customers import services as customers
from backend.settings import Settings
from backend.webhooks import services as webhooks


async def _allocated_to(doc_ids: Sequence[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(doc_ids), 2000):
        rows = await Allocation.select(Allocation.document, Allocation.amount_grosze).where(
            Allocation.document.is_in(list(doc_ids[i:i + 2000])))
        for r in rows:
            out[str(r["document"])] = out.get(str(r["document"]), 0) + int(r["amount_grosze"])
    return out


async def documents_with_remaining(customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The customers' documents, newest first, each with `remaining_grosze` (negative: a credit left)."""
    if not customer_ids:
        return []
    docs = await Document.select().where(Document.customer.is_in(list(customer_ids))).order_by(
        Document.issue_date, ascending=False).order_by(Document.number, ascending=False)
    ids = [d["id"] for d in docs]
    to_doc = await _allocated_to(ids)
    from_credit: dict[str, int] = {}
    credits = [d["id"] for d in docs if d["gross_grosze"] < 0]
    if credits:
        for r in await Allocation.select(Allocation.credit_document, Allocation.amount_grosze).where(
                Allocation.credit_document.is_in(credits)):
            key = str(r["credit_document"])
            from_credit[key] = from_credit.get(key, 0) + int(r["amount_grosze"])
    for d in docs:
        key = str(d["id"])
        d["remaining_grosze"] = int(d["gross_grosze"]) - to_doc.get(key, 0) + from_credit.get(key, 0)
    return docs


# The hot read path of the resident's screens (dashboard, settlements): what documents_with_remaining
# and balance() compute, in one query each through db.rows() (no query builder, no thread hop on SQLite).
# It reads committed data only, so a write transaction (allocation) keeps using the functions above.
# A document's remaining amount: its gross less what was allocated to it, plus what it credited away.
_REMAINING = """d.gross_grosze - COALESCE((SELECT SUM(a.amount_grosze) FROM allocation a WHERE a.document = d.id), 0)
    + COALESCE((SELECT SUM(a.amount_grosze) FROM allocation a WHERE a.credit_document = d.id), 0)"""
_DOCUMENTS_AND_PAID_READ = """SELECT 'document', CAST(d.id AS TEXT), CAST(d.customer AS TEXT),
  CAST(d.service_point AS TEXT), d.kind, d.number, d.issue_date, d.due_date,
  d.period_start, d.period_end, d.gross_grosze, d.estimated,
  """ + _REMAINING + """
FROM document d WHERE d.customer IN ({each})
UNION ALL SELECT 'paid', NULL, CAST(p.customer AS TEXT), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  SUM(p.amount_grosze)
FROM payment p WHERE p.customer IN ({each}) GROUP BY p.customer
ORDER BY 1, 7 DESC, 6 DESC"""
_DOCUMENT_KEYS = ("id", "customer", "service_point", "kind", "number", "issue_date", "due_date", "period_start",
                  "period_end", "gross_grosze", "estimated", "remaining_grosze")


def documents_and_paid_read(customer_ids: Sequence[str]) -> Read[tuple[list[dict[str, Any]], dict[str, int]]]:
    """documents_with_remaining() for a screen (committed data; not inside a write transaction): the
    columns a document row shows, newest first, each with `remaining_grosze`; and customer id -> the
    sum of its payments. One statement (the settlements screen, with its others: db.read_together())."""
    if not customer_ids:
        return read("", then=lambda found: ([], {}))

    def split(found: Sequence[Sequence[Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
        docs, paid = [], {}
        for part, *r in found:
            if part == "paid":
                paid[str(r[1])] = int(r[-1])
                continue
            d = dict(zip(_DOCUMENT_KEYS, r, strict=True))
            d["gross_grosze"], d["remaining_grosze"] = int(d["gross_grosze"]), int(d["remaining_grosze"])
            docs.append(d)
        return docs, paid

    return read(_DOCUMENTS_AND_PAID_READ, each=list(customer_ids), then=split)


def balances_read(customer_ids: Sequence[str], today: date, docs: list[dict[str, Any]],
                  paid: dict[str, int]) -> dict[str, dict[str, int]]:
    """balances() for a screen, from documents_and_paid_read()."""
    out = {str(c): {"total_grosze": 0, "overdue_grosze": 0} for c in customer_ids}
    for customer, total in paid.items():
        out[customer]["total_grosze"] -= total
    for d in docs:
        row = out[str(d["customer"])]
        row["total_grosze"] += d["gross_grosze"]
        if d["due_date"] < today:
            row["overdue_grosze"] += max(d["remaining_grosze"], 0)
    return out


_BALANCE_READ = """SELECT SUM(x.gross_grosze),
  SUM(CASE WHEN x.due_date < $1 AND x.remaining > 0 THEN x.remaining ELSE 0 END),
  (SELECT SUM(p.amount_grosze) FROM payment p WHERE p.customer IN ({each}))
FROM (SELECT d.gross_grosze, d.due_date,
  """ + _REMAINING + """ AS remaining
  FROM document d WHERE d.customer IN ({each})) x"""  # noqa: S608 - constant fragments, placeholders


def balance_read(customer_ids: Sequence[str], today: date) -> Read[dict[str, int]]:
    """balance() for a screen (the dashboard): committed data, the sums computed by the database
    (no row per document), one read (db.run(), or db.read_together() with the screen's others)."""
    if not customer_ids:
        return read("", then=lambda found: {"total_grosze": 0, "overdue_grosze": 0})

    def sums(found: Sequence[Sequence[Any]]) -> dict[str, int]:
        [(billed, overdue, paid)] = found
        return {"total_grosze": int(billed or 0) - int(paid or 0), "overdue_grosze": int(overdue or 0)}

    return read(_BALANCE_READ, today, each=list(customer_ids), then=sums)


async def balances(customer_ids: Sequence[str], today: date, docs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """balance() of each customer, from their documents_with_remaining() already at hand: one query
    (the payments) for all of them instead of three per customer."""
    out = {str(c): {"total_grosze": 0, "overdue_grosze": 0} for c in customer_ids}
    if not out:
        return out
    for p in await Payment.select(Payment.customer, Payment.amount_grosze).where(
            Payment.customer.is_in(list(customer_ids))):
        out[str(p["customer"])]["total_grosze"] -= int(p["amount_grosze"])
    for d in docs:
        row = out[str(d["customer"])]
        row["total_grosze"] += int(d["gross_grosze"])
        if d["due_date"] < today:
            row["overdue_grosze"] += max(d["remaining_grosze"], 0)
    return out


async def balance(customer_ids: Sequence[str], today: date) -> dict[str, int]:
    """{total_grosze, overdue_grosze} over the customers: positive total = owed."""
    if not customer_ids:
        return {"total_grosze": 0, "overdue_grosze": 0}
    docs = await documents_with_remaining(customer_ids)
    paid = await Payment.select(Payment.amount_grosze).where(Payment.customer.is_in(list(customer_ids)))
    total = sum(int(d["gross_grosze"]) for d in docs) - sum(int(p["amount_grosze"]) for p in paid)
    overdue = sum(max(d["remaining_grosze"], 0) for d in docs if d["due_date"] < today)
    return {"total_grosze": total, "overdue_grosze": overdue}


async def _open_docs(customer_id: str) -> list[OpenDoc]:
    docs = await documents_with_remaining([customer_id])
    return [OpenDoc(str(d["id"]), d["remaining_grosze"], d["due_date"], d["number"]) for d in docs
            if d["remaining_grosze"] > 0]


async def _money_left(customer_ids: Sequence[str]) -> dict[str, list[tuple[str, str, int]]]:
    """Per customer: ("payment"|"credit", id, grosze not allocated yet), oldest first."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    ids = list(customer_ids)
    for i in range(0, len(ids), 1000):
        part = ids[i:i + 1000]
        pays = await Payment.select(Payment.id, Payment.customer, Payment.amount_grosze).where(
            Payment.customer.is_in(part)).order_by(Payment.booked_on).order_by(Payment.created_at)
        used: dict[str, int] = {}
        if pays:
            for r in await Allocation.select(Allocation.payment, Allocation.amount_grosze).where(
                    Allocation.payment.is_in([p["id"] for p in pays])):
                used[str(r["payment"])] = used.get(str(r["payment"]), 0) + int(r["amount_grosze"])
        for p in pays:
            left = int(p["amount_grosze"]) - used.get(str(p["id"]), 0)
            if left > 0:
                out.setdefault(str(p["customer"]), []).append(("payment", str(p["id"]), left))
        credits = await Document.select(Document.id, Document.customer, Document.gross_grosze).where(
            Document.customer.is_in(part), Document.gross_grosze < 0).order_by(Document.issue_date)
        if credits:
            used = {}
            for r in await Allocation.select(Allocation.credit_document, Allocation.amount_grosze).where(
                    Allocation.credit_document.is_in([c["id"] for c in credits])):
                used[str(r["credit_document"])] = used.get(str(r["credit_document"]), 0) + int(r["amount_grosze"])
            for c in credits:
                left = -int(c["gross_grosze"]) - used.get(str(c["id"]), 0)
                if left > 0:
                    out.setdefault(str(c["customer"]), []).append(("credit", str(c["id"]), left))
    return out


async def apply_credits(customer_ids: Sequence[str], preferred: Sequence[str] = ()) -> int:
    """Allocate every customer's unallocated money to its open documents; call in a transaction.
    Returns the grosze allocated."""
    total = 0
    rows: list[tuple[Any, ...]] = []
    now = clock.now()
    for customer_id, moneys in (await _money_left(customer_ids)).items():
        docs = await _open_docs(customer_id)
        for kind, money_id, left in moneys:
            parts = allocate(left, docs, preferred)
            for doc_id, amount in parts:
                rows.append((uuid.uuid4(), uuid.UUID(money_id) if kind == "payment" else None,
                             uuid.UUID(money_id) if kind == "credit" else None, uuid.UUID(doc_id), amount, now))
                total += amount
            taken = dict(parts)
            docs = [OpenDoc(d.id, d.remaining - taken.get(d.id, 0), d.due_date, d.number) for d in docs]
    if rows:
        from backend.core.db import engine

        tx = engine().current_transaction.get()
        if tx is None:  # not inside a transaction: make one for the insert
            async with transaction() as own:
                await insert(own, Allocation, ("id", "payment", "credit_document", "document", "amount_grosze",
                                               "created_at"), rows)
        else:
            await insert(tx, Allocation, ("id", "payment", "credit_document", "document", "amount_grosze",
                                          "created_at"), rows)
    return total


async def record_payment(
    *, customer_id: str | None, amount_grosze: int, booked_on: date, source: str, external_id: str,
    account: str = "", payer: str = "", title: str = "", statement_id: str | None = None,
    preferred: Sequence[str] = (), matched_by: str | None = None,
) -> str | None:
    """Store a payment once per external id and allocate it; None when it was already recorded.
    The customer's notice that it was booked (core/notify) is queued in the same transaction: it
    exists if and only if the payment does, once."""
    payment_id = uuid.uuid4()
    try:
        async with transaction():
            await Payment.insert(Payment(
                id=payment_id, customer=customer_id, amount_grosze=amount_grosze, booked_on=booked_on, source=source,
                external_id=external_id[:120], account=account[:34], payer=payer[:200], title=title[:300],
                statement=statement_id, matched_by=matched_by))
            if customer_id:
                await apply_credits([customer_id], preferred)
            number = await customers.number_of(customer_id) if customer_id else None
            await _received(payment_id, customer_id, number, amount_grosze, booked_on, source, external_id, title)
            if customer_id:
                await notify.emit([payment_notice(str(payment_id), customer_id, amount_grosze, booked_on)])
            if source == "gateway":
                await _report(payment_id)
    except Exception as exc:
        if is_unique_violation(exc):
            return None
        raise
    return str(payment_id)


async def _received(payment_id: uuid.UUID, customer_id: str | None, number: str | None, amount_grosze: int,
                    booked_on: date, source: str, external_id: str, title: str) -> None:
    """The payment.received webhook, in the transaction that books the payment (every path books here)."""
    await webhooks.emit("payment.received", {
        "payment_id": str(payment_id), "customer_id": customer_id, "customer_number": number,
        "amount_grosze": amount_grosze, "booked_on": booked_on.isoformat(), "source": source,
        "external_id": external_id[:120], "title": title[:300]})


def payment_notice(payment_id: str, customer_id: str, amount_grosze: int, booked_on: date) -> notify.Event:
    """The customer's notice that a payment was booked (online, from a bank statement, by the billing system)."""
    return notify.Event("payment", str(customer_id), str(payment_id),
                        {"amount_grosze": int(amount_grosze), "day": booked_on.isoformat()})


REPORT_LOCK = 1416  # the payments feed's advisory lock (the readings feed's is 1414)


async def _report(payment_id: uuid.UUID) -> None:
    """A payment made in e-BOK (online) enters the payments feed, in the transaction that records it,
    for the utility's billing system to book (external billing, GET /api/integration/payments)."""
    if is_postgres():
        await PaymentReport.raw(f"SELECT pg_advisory_xact_lock({REPORT_LOCK})")
    await PaymentReport.insert(PaymentReport(payment=payment_id))


async def record_payments(items: Sequence[dict[str, Any]], *, source: str = "external",
                          statement_id: uuid.UUID | None = None) -> tuple[list[str], list[str]]:
    """Payments booked in bulk — the utility's billing system's (external billing), or a part of a
    bank statement — all or none: each stored once per external id and allocated to its customer's
    open documents, the customers' notices queued in the same transaction (a job per 500), so they
    exist if and only if the payments do. Returns the external ids (recorded, already there); an id
    recorded before, or twice in `items`, is a no-op. `items`: {customer_id (None: unmatched),
    amount_grosze, booked_on, external_id, title, payer, account (optional)}."""
    ids = list(dict.fromkeys(i["external_id"] for i in items))
    for _attempt in range(2):
        seen = {r["external_id"] for r in await Payment.select(Payment.external_id).where(
            Payment.external_id.is_in(ids))} if ids else set()
        new, done, rows = [], [], []
        now = clock.now()
        for i in items:
            if i["external_id"] in seen:
                done.append(i["external_id"])
                continue
            seen.add(i["external_id"])
            new.append(i["external_id"])
            customer = uuid.UUID(i["customer_id"]) if i["customer_id"] else None
            rows.append((uuid.uuid4(), customer, i["amount_grosze"], i["booked_on"], source,
                         i["external_id"][:120], i.get("account", "")[:34], i.get("payer", "")[:200],
                         i.get("title", "")[:300], statement_id, None, now))
        if not rows:
            return new, done
        try:
            async with transaction() as tx:
                await insert(tx, Payment, ("id", "customer", "amount_grosze", "booked_on", "source", "external_id",
                                           "account", "payer", "title", "statement", "matched_by", "created_at"),
                             rows)
                matched = [r for r in rows if r[1] is not None]
                await apply_credits(sorted({str(r[1]) for r in matched}))
                numbers = {c["id"]: c["number"] for c in await customers.customers_brief({str(r[1]) for r in matched})}
                for r in rows:
                    who = str(r[1]) if r[1] is not None else None
                    await _received(r[0], who, numbers.get(who) if who else None, r[2], r[3], source, r[5], r[8])
                await notify.emit([payment_notice(str(r[0]), str(r[1]), r[2], r[3]) for r in matched])
            return new, done
        except Exception as exc:  # recorded meanwhile by a racing request: look again
            if not is_unique_violation(exc):
                raise
    raise RuntimeError("payments kept colliding")  # pragma: no cover


async def reported_after(seq: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Payments made in e-BOK after feed position `seq`: ({seq, payment row, document numbers}, last seq)."""
    reports = await PaymentReport.select().where(PaymentReport.seq > seq).order_by(PaymentReport.seq).limit(limit)
    if not reports:
        return [], seq
    pays = {str(p["id"]): p for p in await Payment.select().where(
        Payment.id.is_in([r["payment"] for r in reports]))}
    allocated: dict[str, list[str]] = {}
    for a in await Allocation.select(Allocation.payment, Allocation.document.number.as_alias("number")).where(
            Allocation.payment.is_in([r["payment"] for r in reports])):
        allocated.setdefault(str(a["payment"]), []).append(a["number"])
    out = []
    for r in reports:
        p = pays.get(str(r["payment"]))
        if p is not None:
            out.append({"seq": int(r["seq"]), "payment": p, "documents": sorted(allocated.get(str(p["id"]), []))})
    return out, int(reports[-1]["seq"])


async def assign_payment(payment_id: str, customer_id: str, user_id: str) -> bool:
    """Staff match an unmatched payment to a customer; then it is allocated like any other."""
    async with transaction():
        updated = await Payment.update({Payment.customer: customer_id, Payment.matched_by: user_id}).where(
            (Payment.id == payment_id) & Payment.customer.is_null()).returning(Payment.id, Payment.amount_grosze,
                                                                                Payment.booked_on)
        if updated:
            await apply_credits([customer_id])
            p = updated[0]
            await notify.emit([payment_notice(str(p["id"]), customer_id, int(p["amount_grosze"]), p["booked_on"])])
    return bool(updated)


REMINDER_WINDOW = timedelta(days=92)  # invoices older than this were considered by earlier runs


async def issue_reminders(settings: Settings, as_of: date, period: str, notify: bool = True) -> int:
    """One upomnienie per customer (one fee) listing each of its invoices still unpaid
    `reminder_after_days` after the due date that no reminder listed before. Returns how many
    reminders were issued; a rerun, or a run racing this one, issues none again."""
    for _attempt in range(3):
        try:
            return await _issue_reminders(settings, as_of, period, notify)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # another run reminded some of these invoices meanwhile: look again
    return 0


async def _issue_reminders(settings: Settings, as_of: date, period: str, notify: bool) -> int:
    cutoff = as_of - timedelta(days=settings.reminder_after_days)
    overdue = await Document.select(Document.id, Document.customer, Document.number, Document.gross_grosze,
                                    Document.due_date).where(
        (Document.kind == "invoice") & (Document.due_date < cutoff) & (Document.due_date >= cutoff - REMINDER_WINDOW)
    ).order_by(Document.due_date).order_by(Document.number)
    if not overdue:
        return 0
    paid = await _allocated_to([d["id"] for d in overdue])
    reminded = {str(r["invoice"]) for r in await ReminderItem.select(ReminderItem.invoice).where(
        ReminderItem.invoice.is_in([d["id"] for d in overdue]))}
    by_customer: dict[str, list[tuple[dict[str, Any], int]]] = {}
    for d in overdue:
        owed = int(d["gross_grosze"]) - paid.get(str(d["id"]), 0)
        if owed > 0 and str(d["id"]) not in reminded:
            by_customer.setdefault(str(d["customer"]), []).append((d, owed))
    if not by_customer:
        return 0
    now = clock.now()
    async with transaction() as tx:
        numbers = await numbering.allocate(numbering.series("reminder", as_of), len(by_customer))
        entries, items = ledger.Entries(), []
        for (customer_id, invoices), number in zip(by_customer.items(), numbers, strict=True):
            doc_id = entries.add(customer=customer_id, kind="reminder", number=number, bill_key=f"rem:{customer_id}:{as_of}",
                                 period=period, issue_date=as_of, due_date=as_of + timedelta(days=7),
                                 lines=[calc.reminder_line(settings.reminder_fee_grosze)], created_at=now,
                                 notice={"owed_grosze": sum(owed for _, owed in invoices)} if notify else None)
            items += [(uuid.uuid4(), doc_id, d["id"], owed) for d, owed in invoices]
        await entries.write(tx)
        await insert(tx, ReminderItem, ("id", "reminder", "invoice", "owed_grosze"), items)
        await apply_credits(sorted(by_customer))
    return len(by_customer)


async def reminded_invoices(reminder_ids: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """Per reminder: the invoices it demands ({id, number, due_date, owed_grosze}), oldest first."""
    if not reminder_ids:
        return {}
    rows = await ReminderItem.select(
        ReminderItem.reminder, ReminderItem.invoice, ReminderItem.owed_grosze,
        ReminderItem.invoice.number.as_alias("number"), ReminderItem.invoice.due_date.as_alias("due_date"),
    ).where(ReminderItem.reminder.is_in(list(reminder_ids))).order_by(ReminderItem.invoice.due_date)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r["reminder"]), []).append({"id": str(r["invoice"]), "number": r["number"],
                                                        "due_date": r["due_date"], "owed_grosze": int(r["owed_grosze"])})
    return out
