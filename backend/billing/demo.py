"""Settlements of the demo: the demo tariff, the invoices of the last months of the demo's readings,
payments of most of them (Anna Nowak, customer 100001, leaves her latest invoices open and one
older one overdue, which gets a reminder), and Anna's e-Faktura consent. Called once, when the demo data is created."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, date, datetime, timedelta

from backend.billing import calc, einvoice
from backend.billing.run import remind, run_billing
from backend.billing.tables import Allocation, Document, Payment
from backend.billing.tariffs import ensure_demo_tariff
from backend.core import clock
from backend.core.bulk import insert
from backend.core.clock import today_in_warsaw
from backend.core.db import transaction
from backend.customers.tables import Customer
from backend.settings import Settings

log = logging.getLogger("ebok.demo")
MONTHS_BILLED = 8  # the last eight months of readings are invoiced
LARGE = 5000  # bigger demos are for benchmarks: bill them with `ebok bill`
ANNA = "100001"


def _periods(today: date) -> list[str]:
    period = calc.previous_period(f"{today:%Y-%m}")
    out = []
    for _ in range(MONTHS_BILLED):
        out.append(period)
        period = calc.previous_period(period)
    return out[::-1]


def _unpaid(number: str) -> bool:
    return hashlib.sha256(number.encode()).digest()[0] < 20  # about 8% stay unpaid


async def load_demo_billing(settings: Settings | None = None, today: date | None = None) -> int:
    """Returns the number of invoices issued (0 when skipped or already done)."""
    settings = settings or Settings.from_env()
    today = today or today_in_warsaw()
    if settings.external_billing:  # the billing system sends the documents (ebok import documents)
        return 0
    if await Customer.count() > LARGE or await Payment.exists().where(Payment.source == "demo"):
        return 0
    periods = _periods(today)
    await ensure_demo_tariff(date(int(periods[0][:4]) - 1, 1, 1))
    issued = 0
    for period in periods:
        end = calc.month_end(period)
        r = await run_billing(settings, period, issue_date=end + timedelta(days=1), notify=False, reminders=False)
        issued += r.invoices
    anna = await Customer.select(Customer.id, Customer.email).where(Customer.number == ANNA).first()
    await _pay(today, str(anna["id"]) if anna else None)
    await remind(settings, today, periods[-1])
    if anna:
        await einvoice.set_consent(str(anna["id"]), True, anna["email"], None,
                                   at=datetime.combine(today - timedelta(days=200), datetime.min.time(), UTC),
                                   channel="office")  # the paper form
    return issued


async def _pay(today: date, anna_id: str | None) -> None:
    """Bank transfers a few days before the due date for every invoice due by now, but a few."""
    docs = await Document.select(Document.id, Document.customer, Document.number, Document.due_date,
                                 Document.gross_grosze).where(Document.due_date < today).order_by(Document.due_date)
    anna_docs = [d for d in docs if str(d["customer"]) == anna_id]
    dues = sorted({d["due_date"] for d in anna_docs})
    # her latest invoices are open, and one of the period before is overdue (it gets a reminder)
    anna_unpaid = {d["id"] for d in anna_docs if d["due_date"] == dues[-1]} if dues else set()
    anna_unpaid |= set([d["id"] for d in anna_docs if len(dues) > 1 and d["due_date"] == dues[-2]][:1])
    now = clock.now()
    pay_rows, alloc_rows = [], []
    for d in docs:
        if d["id"] in anna_unpaid or (str(d["customer"]) != anna_id and _unpaid(d["number"])):
            continue
        pid = uuid.uuid4()
        booked = d["due_date"] - timedelta(days=int(d["number"][-1]) % 5)
        pay_rows.append((pid, d["customer"], d["gross_grosze"], booked, "demo", f"demo:{d['id']}", "", "",
                         f"Opłata {d['number']}", None, None, now))
        alloc_rows.append((uuid.uuid4(), pid, None, d["id"], d["gross_grosze"], now))
    async with transaction() as tx:
        await insert(tx, Payment, ("id", "customer", "amount_grosze", "booked_on", "source", "external_id", "account",
                                   "payer", "title", "statement", "matched_by", "created_at"), pay_rows)
        await insert(tx, Allocation, ("id", "payment", "credit_document", "document", "amount_grosze", "created_at"),
                     alloc_rows)
